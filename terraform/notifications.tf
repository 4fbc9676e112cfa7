# Objects dropped in the incoming bucket under ingest/ (ingest/<Kind>/<anything>.ndjson or .csv)
# reach the ingest-object function: Cloud Storage publishes an OBJECT_FINALIZE notification
# (JSON_API_V1 payload: the object's metadata) to the incoming topic, and the ingest-object push
# subscription (triggers.tf) delivers it with the same retries and dead-lettering as every other
# message. Only the ingest/ prefix notifies, so the result objects the function writes under
# ingest-results/ and job input elsewhere in the bucket trigger nothing.

# Cloud Storage's service agent for the project; the data source also makes sure it exists.
# No depends_on: a data source that depends on a resource is read only after that resource is
# applied, so every change to the API list would make the member unknown at plan time and replace
# the IAM member below. The storage API is on in every new project.
data "google_storage_project_service_account" "incoming" {
  project = var.project_id
}

# The service agent publishes the notifications: publisher on the incoming topic, nothing more.
resource "google_pubsub_topic_iam_member" "storage_notifier" {
  topic  = google_pubsub_topic.topic["incoming"].name
  role   = "roles/pubsub.publisher"
  member = data.google_storage_project_service_account.incoming.member
}

resource "google_storage_notification" "ingest" {
  bucket             = google_storage_bucket.incoming.name
  topic              = google_pubsub_topic.topic["incoming"].id
  payload_format     = "JSON_API_V1"
  event_types        = ["OBJECT_FINALIZE"]
  object_name_prefix = local.ingest_prefix

  # Cloud Storage checks that it may publish when the notification is created. Pub/Sub keeps
  # nothing for a topic without subscriptions, so the push subscriptions exist first.
  depends_on = [
    google_pubsub_topic_iam_member.storage_notifier,
    google_pubsub_subscription.push,
  ]
}
