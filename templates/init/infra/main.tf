# Deploys this project's jobs to Google Cloud with cloudreduce's terraform module: Cloud Functions
# fed by Pub/Sub, state in Datastore, intermediates in Cloud Storage, tables in BigQuery
# (node_modules/cloudreduce/docs/deploy.md has every setting, the permissions and the costs).
#
#   npm run package                                  # build/function-source.zip
#   terraform -chdir=infra init
#   terraform -chdir=infra apply -var project_id=MY_PROJECT
#   gcloud storage cp data/visits.ndjson gs://MY_PROJECT-cloudreduce-incoming/visits/
#   npx cloudreduce submit page-views --project MY_PROJECT \
#     --input 'gs://MY_PROJECT-cloudreduce-incoming/visits/*.ndjson'
#
# Run `npm run package` again after changing a job, then `terraform -chdir=infra apply`: only a
# changed archive redeploys the functions.

terraform {
  required_version = ">= 1.9"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
  }
}

variable "project_id" {
  description = "Google Cloud project to deploy into."
  type        = string
}

variable "region" {
  description = "Region of the functions, buckets and database."
  type        = string
  default     = "us-central1"
}

provider "google" {
  project = var.project_id
  region  = var.region
}

locals {
  # The bucket the module creates for input files: <project>-<name_prefix>-incoming.
  incoming_bucket = "${var.project_id}-cloudreduce-incoming"
}

module "cloudreduce" {
  source = "../node_modules/cloudreduce/terraform"

  project_id = var.project_id
  region     = var.region
  # Where `npm run package` (cloudreduce package) writes the archive.
  source_archive = "${path.root}/../build/function-source.zip"

  # Jobs started by Cloud Scheduler; each publishes a job message (job, params, inputs).
  schedules = {
    page-views-nightly = {
      description = "Page views of the visits uploaded under visits/, every night"
      schedule    = "0 3 * * *"
      time_zone   = "Etc/UTC"
      job         = "page-views"
      inputs      = ["gs://${local.incoming_bucket}/visits/*.ndjson"]
    }
  }
}

output "buckets" {
  description = "work (intermediates, results), incoming (input files), source (function archives)."
  value       = module.cloudreduce.buckets
}

output "bigquery_dataset" {
  description = "Where table outputs such as page_views are loaded."
  value       = module.cloudreduce.bigquery_dataset
}

output "cli_environment" {
  description = "What `cloudreduce submit --project` and `status --project` read."
  value       = module.cloudreduce.cli_environment
}
