# Every API the deployment uses. Left enabled on destroy: other things in the project may use them,
# and disabling an API can break those (serviceusage.googleapis.com itself must already be on).
locals {
  apis = toset([
    "artifactregistry.googleapis.com",     # function images
    "bigquery.googleapis.com",             # table outputs
    "cloudbuild.googleapis.com",           # function builds
    "cloudfunctions.googleapis.com",       # the functions
    "cloudresourcemanager.googleapis.com", # project number (Pub/Sub service agent)
    "cloudscheduler.googleapis.com",       # schedules and the sweeper tick
    "datastore.googleapis.com",            # run and task state, entity inputs/outputs
    "firestore.googleapis.com",            # the Datastore-mode database and its indexes
    "iam.googleapis.com",                  # service accounts
    "logging.googleapis.com",              # function and build logs
    "pubsub.googleapis.com",               # topics and push subscriptions
    "run.googleapis.com",                  # gen2 functions run as Cloud Run services
    "storage.googleapis.com",              # buckets
  ])
}

resource "google_project_service" "api" {
  for_each = local.apis

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}
