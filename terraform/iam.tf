# Identities and least privilege. One service account per function, each granted only what its
# code path needs, on the bucket, topic or dataset where the provider allows it; one push account
# that may invoke the Pub/Sub-triggered functions; one build account. Nothing is granted to allUsers
# or allAuthenticatedUsers, and no function can be invoked without a token.
#
#   function       Datastore        work bucket    input buckets   publishes to       BigQuery
#   split          datastore.user   objectViewer   objectViewer    map, finalize      -
#   map            datastore.user   objectAdmin    objectViewer    map, reduce, fin.  -
#   reduce         datastore.user   objectAdmin    -               reduce, finalize   -
#   finalize       datastore.user   objectAdmin    objectViewer    map, finalize      dataEditor (dataset), jobUser
#   sweeper        datastore.user   objectViewer   objectViewer    map, reduce, fin.  -
#   ingest         datastore.user   -              -               -                  -
#   ingest-object  datastore.user   -              objectUser on   -                  -
#                                                  incoming only
#
# ingest-object reads the objects dropped under ingest/ and writes (and, on redelivery, overwrites)
# its results under ingest-results/ in the incoming bucket: objectUser there, no IAM rights.
#
#   invoker (roles/run.invoker)   on
#   the push account              every Pub/Sub-triggered function (all but ingest)
#   var.ingest_invokers           ingest only (named principals; public ones are refused)
#
# The Cloud Storage service agent may publish to the incoming topic (notifications.tf); the Pub/Sub
# service agent dead-letters (below). Datastore has no per-kind IAM, so datastore.user is granted on
# the project.

locals {
  work_bucket_role = {
    split    = "roles/storage.objectViewer" # plans stage 0: lists and sizes input files
    map      = "roles/storage.objectAdmin"  # writes its attempt's object, deletes it when late
    reduce   = "roles/storage.objectAdmin"  # reads shuffle objects, writes and deletes parts
    finalize = "roles/storage.objectAdmin"  # publishes results/, deletes tmp/<runId>/
    sweeper  = "roles/storage.objectViewer" # re-plans a stage stuck in planning
  }
  # Functions that read job input (file splits) from the incoming and extra input buckets.
  input_readers = ["split", "map", "finalize", "sweeper"]

  input_grants = {
    for pair in setproduct(local.input_readers, [for b in local.input_buckets : b if b != local.work_bucket]) :
    "${pair[0]}/${pair[1]}" => { function = pair[0], bucket = pair[1] }
  }
  publish_grants = merge([
    for name, topics in local.publishes : {
      for topic in topics : "${name}/${topic}" => { function = name, topic = topic }
    }
  ]...)

  pubsub_service_agent  = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  build_service_account = coalesce(var.build_service_account, try(google_service_account.build[0].email, null))
}

# --- service accounts ----------------------------------------------------------------------------

resource "google_service_account" "fn" {
  for_each = local.functions

  account_id   = "${var.name_prefix}-${each.key}"
  display_name = "cloudreduce ${each.key} function"
  description  = "Runs the ${each.key} function of cloudreduce (entry point ${each.value.entry_point})."

  depends_on = [google_project_service.api]
}

resource "google_service_account" "push" {
  account_id   = "${var.name_prefix}-push"
  display_name = "cloudreduce Pub/Sub push"
  description  = "Signs the OIDC tokens of the push subscriptions that deliver messages to the cloudreduce functions."

  depends_on = [google_project_service.api]
}

resource "google_service_account" "build" {
  count = var.build_service_account == null ? 1 : 0

  account_id   = "${var.name_prefix}-build"
  display_name = "cloudreduce function builds"
  description  = "Cloud Build runs the cloudreduce function builds as this account."

  depends_on = [google_project_service.api]
}

# --- functions' runtime permissions --------------------------------------------------------------

resource "google_project_iam_member" "datastore_user" {
  for_each = local.functions

  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.fn[each.key].member
}

resource "google_storage_bucket_iam_member" "work" {
  for_each = local.work_bucket_role

  bucket = google_storage_bucket.work.name
  role   = each.value
  member = google_service_account.fn[each.key].member
}

# ingest-object's only bucket grant: read objects, write and overwrite results, on incoming only.
resource "google_storage_bucket_iam_member" "ingest_object_incoming" {
  bucket = google_storage_bucket.incoming.name
  role   = "roles/storage.objectUser"
  member = google_service_account.fn["ingest-object"].member
}

resource "google_storage_bucket_iam_member" "input" {
  for_each = local.input_grants

  bucket = each.value.bucket
  role   = "roles/storage.objectViewer"
  member = google_service_account.fn[each.value.function].member

  depends_on = [google_storage_bucket.incoming]
}

resource "google_pubsub_topic_iam_member" "publisher" {
  for_each = local.publish_grants

  topic  = google_pubsub_topic.topic[each.value.topic].name
  role   = "roles/pubsub.publisher"
  member = google_service_account.fn[each.value.function].member
}

resource "google_bigquery_dataset_iam_member" "finalize_data_editor" {
  dataset_id = google_bigquery_dataset.cloudreduce.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.fn["finalize"].member
}

# Load and query jobs are created in the project; BigQuery has no narrower scope for jobs.create.
resource "google_project_iam_member" "finalize_job_user" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = google_service_account.fn["finalize"].member
}

# --- delivery: push account, Pub/Sub service agent ---------------------------------------------

resource "google_cloud_run_v2_service_iam_member" "push_invoker" {
  for_each = local.push_functions

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.fn[each.key].name
  role     = "roles/run.invoker"
  member   = google_service_account.push.member
}

# The HTTP ingest function is called directly, with an identity token of a principal named in
# var.ingest_invokers (validated there: type:value, never allUsers or allAuthenticatedUsers).
resource "google_cloud_run_v2_service_iam_member" "ingest_invoker" {
  for_each = toset(var.ingest_invokers)

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.fn["ingest"].name
  role     = "roles/run.invoker"
  member   = each.value
}

# Pub/Sub mints the push account's OIDC tokens. Projects that enabled Pub/Sub before 2021-04-08
# need this grant; later ones have it implicitly. Scoped to the push account only.
resource "google_service_account_iam_member" "pubsub_token_creator" {
  service_account_id = google_service_account.push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

# Dead-lettering is done by the Pub/Sub service agent: it publishes to the dead-letter topic and
# acknowledges on the source subscription.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  topic  = google_pubsub_topic.topic["dead_letter"].name
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each = local.push_functions

  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# --- builds ----------------------------------------------------------------------------------------

# The roles Cloud Run functions documents for a custom build account (functions/docs/securing/
# build-custom-sa): it reads the uploaded source, writes logs and pushes the image. The source
# buckets it reads are created by Google per region, so the storage role is project-wide.
resource "google_project_iam_member" "build" {
  for_each = var.build_service_account == null ? toset([
    "roles/artifactregistry.writer",
    "roles/logging.logWriter",
    "roles/storage.objectAdmin",
  ]) : toset([])

  project = var.project_id
  role    = each.value
  member  = google_service_account.build[0].member
}
