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

# Messages that failed max_delivery_attempts times land on the dead-letter topic. The dead-letter
# function (its push subscription is in triggers.tf) fails the run of each, with the task and the
# message, unless the work got done another way, so a run always ends. This pull subscription also
# keeps a copy of each for a week so they can be inspected (`gcloud pubsub subscriptions pull <name>
# --limit 10`) and re-published. A dead-lettered ingest-object notification belongs to no run: it
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
