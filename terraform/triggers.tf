# How messages reach the functions: one authenticated push subscription per Pub/Sub-triggered
# function (local.push_functions: every function but HTTP ingest), on the topic that triggers it,
# pushing to the function's URL. ingest-object's topic carries the incoming bucket's object
# notifications (notifications.tf) and gets the same deadline, retries and dead-lettering.
#
# Why not Eventarc (event_trigger with RETRY_POLICY_RETRY)? The Pub/Sub subscription Eventarc
# creates cannot be given a dead-letter topic, an ack deadline or a retry policy from terraform
# (hashicorp/terraform-provider-google#25069, #17697): a message that keeps failing is retried for
# 24 hours and then silently discarded, and an ack deadline shorter than a 540 s task makes Pub/Sub
# redeliver while the first attempt still runs. Our own subscriptions set all three, need no
# Eventarc API or eventReceiver role, and are what the dev cloud (src/cloud/push-subscriptions.ts)
# builds on the emulator, so the tested delivery path is the deployed one. docs/deploy.md has more.
#
# The endpoint ends with /projects/P/topics/T because functions-framework takes the topic of a raw
# push body from the request path when it turns it into a CloudEvent.

locals {
  function_urls = { for name, fn in google_cloudfunctions2_function.fn : name => fn.service_config[0].uri }
}

resource "google_pubsub_subscription" "push" {
  for_each = local.push_functions

  name   = "${var.name_prefix}-${each.key}-push"
  topic  = google_pubsub_topic.topic[each.value.trigger].id
  labels = var.labels

  # For push the ack deadline is also the HTTP timeout: keep it above the function's timeout so a
  # slow attempt is not redelivered while it still runs (600 s is Pub/Sub's maximum).
  ack_deadline_seconds       = min(600, each.value.timeout_seconds + 30)
  message_retention_duration = "604800s"

  push_config {
    push_endpoint = "${local.function_urls[each.key]}/projects/${var.project_id}/topics/${google_pubsub_topic.topic[each.value.trigger].name}"
    oidc_token {
      service_account_email = google_service_account.push.email
      # The service URL itself, which Cloud Run always accepts as the token's audience (unset, the
      # audience would be the whole endpoint, path included).
      audience = local.function_urls[each.key]
    }
  }

  # Redelivery of a failed (nacked) message, with exponential backoff.
  retry_policy {
    minimum_backoff = "${var.retry_minimum_backoff_seconds}s"
    maximum_backoff = "${var.retry_maximum_backoff_seconds}s"
  }

  # After max_delivery_attempts the message moves to the dead-letter topic instead of looping,
  # where the dead-letter function fails its run. That function's own subscription has no policy:
  # its messages would come back to it.
  dynamic "dead_letter_policy" {
    for_each = each.value.trigger == "dead_letter" ? [] : [1]
    content {
      dead_letter_topic     = google_pubsub_topic.topic["dead_letter"].id
      max_delivery_attempts = var.max_delivery_attempts
    }
  }

  # Never expire: a schedule that runs rarely must not lose its subscription after 31 idle days.
  expiration_policy {
    ttl = ""
  }

  depends_on = [
    google_cloud_run_v2_service_iam_member.push_invoker,
    google_pubsub_topic_iam_member.dead_letter_publisher,
    google_service_account_iam_member.pubsub_token_creator,
  ]
}
