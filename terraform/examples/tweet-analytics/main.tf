# The classic tweet-analytics app on cloudreduce: tweets are ingested into Datastore (Tweet
# entities), analysed every 5 hours into three BigQuery tables (word_counts, urls, word_cooccur;
# docs/tweet-analytics.md), and yesterday's exercise logs are summarised every night into a
# day-partitioned table (exercise_summary). Both are built-in jobs.
#
#   npm run package                                         # build/function-source.zip
#   # set the project and invokers below, then:
#   terraform -chdir=terraform/examples/tweet-analytics init
#   terraform -chdir=terraform/examples/tweet-analytics apply
#
# Then send tweets (docs/ingest.md), either over HTTP as a principal of ingest_invokers:
#   curl -X POST -H "Authorization: Bearer $(gcloud auth print-identity-token)" \
#     -H 'Content-Type: application/x-ndjson' --data-binary @tweets.ndjson \
#     "$(terraform -chdir=terraform/examples/tweet-analytics output -raw ingest_url)?kind=Tweet"
# or as files: gcloud storage cp tweets.ndjson gs://my-project-id-cloudreduce-incoming/ingest/Tweet/
# and export each day's exercise logs under gs://my-project-id-cloudreduce-incoming/problem-logs/
# (the job keeps only the records of its date, so expire old exports with a lifecycle rule to keep
# the nightly read small).
#
# Migrations are ad hoc, not scheduled: preview, then run (docs/migrations.md):
#   cloudreduce submit migrate-drop-property --project my-project-id \
#     --param kind=Tweet --param property=score --param dryRun=true
#
# test/terraform validates every scheduled message below against the registered jobs.

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
  project = "my-project-id"
  region  = "us-central1"
}

module "cloudreduce" {
  # In your own project: source = "../node_modules/cloudreduce/terraform"
  source = "../.."

  project_id     = "my-project-id"
  region         = "us-central1"
  source_archive = "${path.root}/../../../build/function-source.zip"

  schedules = {
    tweet-analytics = {
      description = "Words, URLs and word pairs of the tweets of the last 4 days, every 5 hours"
      schedule    = "0 */5 * * *" # minute 0 of hours 0, 5, 10, 15 and 20
      time_zone   = "Etc/UTC"
      job         = "tweet-analytics"
      # now is left out: it defaults to the run's start, so every run covers the 4 days before it.
      params = { days = "4" }
    }
    exercise-summary = {
      description = "Yesterday's exercise logs per user and exercise, every night"
      schedule    = "30 1 * * *" # 01:30 UTC, after the day's logs are exported
      time_zone   = "Etc/UTC"
      job         = "exercise-summary"
      # Resolved against the run's start (UTC): the day before. A re-run of a date replaces that
      # day's partition only.
      params = { date = "yesterday" }
      inputs = ["gs://my-project-id-cloudreduce-incoming/problem-logs/*.ndjson"]
    }
  }

  # Who may POST tweets to the ingest function: the system that collects them. They must exist.
  # allUsers and allAuthenticatedUsers are refused: ingest writes to Datastore.
  ingest_invokers = [
    "serviceAccount:tweet-loader@my-project-id.iam.gserviceaccount.com",
  ]
}

output "ingest_url" {
  value = module.cloudreduce.ingest_url
}

output "ingest_drop" {
  value = module.cloudreduce.ingest_drop
}

output "cli_environment" {
  description = "For `cloudreduce submit --project` and `status --project`."
  value       = module.cloudreduce.cli_environment
}
