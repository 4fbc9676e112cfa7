# Topics: jobs, map, reduce, finalize (the engine's work, src/ports/message-bus.ts), sweep (the
# scheduler's tick for the sweeper), dead-letter, and incoming (Cloud Storage's notifications of
# objects finalized under ingest/ in the incoming bucket, notifications.tf). Each Pub/Sub-triggered
# function's own push subscription is in triggers.tf.

resource "google_pubsub_topic" "topic" {
  for_each = local.topics

  name   = each.value
  labels = var.labels

  depends_on = [google_project_service.api]
}

# Messages that failed max_delivery_attempts times land on the dead-letter topic. Without a
# subscription Pub/Sub would drop them; this pull subscription keeps them for a week so they can be
# inspected (`gcloud pubsub subscriptions pull <name> --limit 10`) and re-published. The engine
# does not depend on them: a dead-lettered task stays PENDING (or its lease expires) and the
# sweeper re-publishes it, a run stuck in planning is re-planned, and a run that makes no progress
# is flagged stalled. (Locally, a dead-lettered message fails its run; in the cloud no function
# consumes this topic.) A dead-lettered ingest-object notification is not re-driven by anything: it
# waits here, and uploading the object again replays it (docs/deploy.md).
resource "google_pubsub_subscription" "dead_letter" {
  name                       = "${local.topics.dead_letter}-hold"
  topic                      = google_pubsub_topic.topic["dead_letter"].id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  retain_acked_messages      = false
  labels                     = var.labels

  expiration_policy {
    ttl = ""
  }
}
