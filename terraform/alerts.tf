# Failure you hear about: Cloud Monitoring alert policies for
#   - runs that FAIL: the engine logs one ERROR entry with jsonPayload.event = "run-failed" when a
#     run moves to FAILED (src/core/run-events.ts; the job is the entry's `job` label);
#   - runs flagged as stalled: the sweeper logs jsonPayload.event = "run-stalled" for a RUNNING run
#     with no progress for stall_seconds, on every sweep until it moves or ends;
#   - messages held on the dead-letter topic: its hold subscription (pubsub.tf) has undelivered
#     messages, i.e. some message failed max_delivery_attempts times.
# The two log conditions go through log-based metrics (counters labelled by job), so a chart and
# the policy read the same numbers. Policies notify the channels in alert_notification_channels
# (create channels in the console or with google_monitoring_notification_channel; an empty list
# still opens incidents, shown in the console, but tells no one).
#
# Self-contained on purpose: its variables are here and nothing else refers to this file, so it
# can be dropped (or alerts_enabled = false) without touching the rest of the deployment.

variable "alerts_enabled" {
  description = "Create the log-based metrics and alert policies of alerts.tf (needs monitoring.googleapis.com, enabled here)."
  type        = bool
  default     = true
}

variable "alert_notification_channels" {
  description = "Notification channels the alert policies notify, as ids: projects/PROJECT/notificationChannels/ID."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for c in var.alert_notification_channels : can(regex("^projects/[^/]+/notificationChannels/[^/]+$", c))])
    error_message = "alert_notification_channels must hold ids like projects/my-project/notificationChannels/1234567890 (gcloud beta monitoring channels list --format='value(name)')."
  }
}

variable "alert_auto_close" {
  description = "Close an incident after its condition has been false this long (a duration in seconds, e.g. \"1800s\")."
  type        = string
  default     = "1800s"
  validation {
    condition     = can(regex("^[0-9]+s$", var.alert_auto_close))
    error_message = "alert_auto_close must be a number of seconds followed by s, e.g. \"1800s\"."
  }
}

locals {
  # Entries of this deployment's functions only (gen2 functions run as Cloud Run services named
  # like the function: <name_prefix>-<function>).
  function_log_filter = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name:\"${var.name_prefix}-\""

  # The log conditions, by the `event` value the engine writes (src/core/run-events.ts).
  run_event_metrics = var.alerts_enabled ? {
    run_failed = {
      event       = "run-failed"
      description = "Runs that ended FAILED (one entry per run), by job."
      title       = "a run FAILED"
      doc         = "A cloudreduce run ended FAILED. Find it with `cloudreduce status --project ${var.project_id}`, its reason with `cloudreduce status RUN_ID --project ${var.project_id}` and its log entries with `cloudreduce logs RUN_ID --project ${var.project_id}` (the entry that raised this carries the run id as its runId label)."
    }
    run_stalled = {
      event       = "run-stalled"
      description = "Sweeps that found a RUNNING run with no progress for stall_seconds, by job."
      title       = "a run is stalled"
      doc         = "A RUNNING cloudreduce run made no progress for ${var.stall_seconds} seconds. Look at its tasks (`cloudreduce status RUN_ID --project ${var.project_id}`) and logs (`cloudreduce logs RUN_ID --project ${var.project_id}`); a task that keeps failing may be on the dead-letter hold subscription ${local.topics.dead_letter}-hold."
    }
  } : {}
}

resource "google_project_service" "monitoring" {
  count = var.alerts_enabled ? 1 : 0

  project            = var.project_id
  service            = "monitoring.googleapis.com"
  disable_on_destroy = false
}

resource "google_logging_metric" "run_event" {
  for_each = local.run_event_metrics

  name        = "${var.name_prefix}/${each.key}"
  description = each.value.description
  filter      = "${local.function_log_filter} AND jsonPayload.event=\"${each.value.event}\""

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key         = "job"
      value_type  = "STRING"
      description = "The job of the run."
    }
  }
  label_extractors = {
    job = "EXTRACT(labels.job)"
  }

  depends_on = [google_project_service.api]
}

resource "google_monitoring_alert_policy" "run_event" {
  for_each = local.run_event_metrics

  display_name          = "${var.name_prefix}: ${each.value.title}"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels
  user_labels           = var.labels

  conditions {
    display_name = "${each.value.event} log entries"
    condition_threshold {
      filter          = "resource.type=\"cloud_run_revision\" AND metric.type=\"logging.googleapis.com/user/${google_logging_metric.run_event[each.key].name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.job"]
      }
      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = var.alert_auto_close
  }

  documentation {
    content   = each.value.doc
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.monitoring]
}

resource "google_monitoring_alert_policy" "dead_letter" {
  count = var.alerts_enabled ? 1 : 0

  display_name          = "${var.name_prefix}: messages held on the dead-letter topic"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels
  user_labels           = var.labels

  conditions {
    display_name = "undelivered messages on ${google_pubsub_subscription.dead_letter.name}"
    condition_threshold {
      filter          = "resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=\"${google_pubsub_subscription.dead_letter.name}\" AND metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = var.alert_auto_close
  }

  documentation {
    content   = "A message failed max_delivery_attempts times and is held on ${google_pubsub_subscription.dead_letter.name}. Inspect it with `gcloud pubsub subscriptions pull ${google_pubsub_subscription.dead_letter.name} --limit 10 --project ${var.project_id}`; its runId attribute names the run (`cloudreduce status RUN_ID --project ${var.project_id}`). docs/deploy.md says how to re-publish it."
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.monitoring]
}
