# Terraform >= 1.9 for variable validations that refer to other variables (lease vs stall).
# Only the google provider: the function archive is built (deterministically) by
# `cloudreduce package`, not by hashicorp/archive, so the hash terraform sees is the one it printed.
# This is a module: the root configuration that calls it configures the provider (project,
# region, credentials); terraform/examples/ has two.
terraform {
  required_version = ">= 1.9"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
  }
}

data "google_project" "this" {
  project_id = var.project_id
}
