# A complete deployment that counts the words of the text files in the incoming bucket every five
# hours into the BigQuery table cloudreduce.wordcount, and ingests tweets into Datastore (Tweet
# entities) over HTTP or from files dropped under ingest/Tweet/. wordcount is a built-in job.
#
# It calls the cloudreduce module as a user's project does (`cloudreduce init` writes the same
# thing into infra/main.tf), with source pointing into this repository instead of node_modules:
#
#   npm run package                                   # build/function-source.zip
#   # set the project below (my-project-id), then:
#   terraform -chdir=terraform/examples/wordcount init
#   terraform -chdir=terraform/examples/wordcount apply
#   gcloud storage cp books/*.txt gs://my-project-id-cloudreduce-incoming/books/
#   gcloud storage cp tweets.ndjson gs://my-project-id-cloudreduce-incoming/ingest/Tweet/
#
# Replace my-project-id with your project. Everything not set here keeps its default
# (terraform/variables.tf). test/terraform validates every scheduled message below against the
# registered jobs, so a typo in a job or param name fails `npm test`, not the 3 a.m. run.

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

  project_id = "my-project-id"
  region     = "us-central1"
  # Where `npm run package` (cloudreduce package) wrote the archive: build/ in the repository.
  source_archive = "${path.root}/../../../build/function-source.zip"

  schedules = {
    wordcount-books = {
      description = "Word counts of gs://my-project-id-cloudreduce-incoming/books/, every 5 hours"
      schedule    = "0 */5 * * *" # minute 0 of hours 0, 5, 10, 15 and 20
      time_zone   = "Etc/UTC"
      job         = "wordcount"
      inputs      = ["gs://my-project-id-cloudreduce-incoming/books/*.txt"]
      partitions  = 8
    }
    # The tweet-analytics app (ingest, analysis every 5 hours, a nightly summary) is
    # examples/tweet-analytics.
  }

  # Who may POST records to the ingest function (output ingest_url), as IAM members: the service
  # account of the system that sends tweets, a group, a user. They must exist. allUsers and
  # allAuthenticatedUsers are refused: ingest writes to Datastore. Empty (the default): nobody, and
  # only dropped files are ingested.
  ingest_invokers = [
    # "serviceAccount:tweet-loader@my-project-id.iam.gserviceaccount.com",
    # "group:data-loaders@example.com",
  ]

  # Map and reduce get the 540 s ceiling by default; give map more memory for big books.
  functions = {
    map = { memory = "2Gi" }
  }
}

output "buckets" {
  value = module.cloudreduce.buckets
}

output "ingest_url" {
  value = module.cloudreduce.ingest_url
}

output "cli_environment" {
  description = "For `cloudreduce submit --project` and `status --project`."
  value       = module.cloudreduce.cli_environment
}
