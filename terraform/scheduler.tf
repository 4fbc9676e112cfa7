# Cloud Scheduler: every entry of var.schedules publishes its job message (local.scheduled_messages,
# validated against the registered jobs by test/terraform) to the jobs topic; one more job ticks the
# sweeper. Scheduler delivers at least once; the engine tolerates a duplicate message (at worst a
# second run of the same slot). No attempt_deadline: it is ignored for Pub/Sub targets and makes a
# permanent diff.

locals {
  scheduler_region = coalesce(var.scheduler_region, var.region)
}

resource "google_cloud_scheduler_job" "job" {
  for_each = var.schedules

  name        = "${var.name_prefix}-${each.key}"
  region      = local.scheduler_region
  description = coalesce(each.value.description, "cloudreduce: run job ${each.value.job} on schedule ${each.value.schedule}")
  schedule    = each.value.schedule
  time_zone   = each.value.time_zone
  paused      = each.value.paused

  pubsub_target {
    topic_name = google_pubsub_topic.topic["jobs"].id
    data       = base64encode(jsonencode(local.scheduled_messages[each.key]))
    attributes = {
      origin = "schedule:${each.key}"
    }
  }

  depends_on = [google_project_service.api]
}

resource "google_cloud_scheduler_job" "sweep" {
  name        = "${var.name_prefix}-sweep"
  region      = local.scheduler_region
  description = "cloudreduce: tick the sweeper (re-publish lost or expired work, flag stalled runs)"
  schedule    = var.sweep_schedule
  time_zone   = "Etc/UTC"

  pubsub_target {
    topic_name = google_pubsub_topic.topic["sweep"].id
    data       = base64encode(jsonencode(local.sweep_message))
  }

  depends_on = [google_project_service.api]
}
