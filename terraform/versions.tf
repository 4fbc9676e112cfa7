# Terraform >= 1.9 for variable validations that refer to other variables (lease vs stall).
# Only the google provider: the function archive is built (deterministically) by `npm run package`,
# not by hashicorp/archive, so the hash terraform sees is the one the build printed.
terraform {
  required_version = ">= 1.9"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

data "google_project" "this" {
  project_id = var.project_id
}
