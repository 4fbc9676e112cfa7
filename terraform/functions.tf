# One gen2 function per entry in src/cloud/functions.ts (CLOUD_FUNCTIONS), keyed by its id, all
# built from the same archive: its index.js (cloudreduce package) registers every entry point and
# entry_point picks one. No event_trigger: each Pub/Sub-triggered function receives its topic through its own push
# subscription (triggers.tf), which is what makes dead-lettering configurable from terraform. That
# includes ingest-object, whose topic receives the incoming bucket's object notifications
# (notifications.tf). The HTTP ingest function has no subscription: the principals in
# var.ingest_invokers call it directly (iam.tf), through var.ingest_ingress.

resource "google_cloudfunctions2_function" "fn" {
  for_each = local.functions

  name        = "${var.name_prefix}-${each.key}"
  location    = var.region
  description = each.value.trigger == "http" ? "cloudreduce ${each.key}: HTTP endpoint (entry point ${each.value.entry_point})" : "cloudreduce ${each.key}: consumes ${local.topics[each.value.trigger]}"
  labels      = merge(var.labels, { cloudreduce-function = each.key })

  build_config {
    runtime         = "nodejs22"
    entry_point     = each.value.entry_point
    service_account = "projects/${var.project_id}/serviceAccounts/${local.build_service_account}"
    # npm omits devDependencies when NODE_ENV is production; the archive's package.json has an empty
    # gcp-build script, so nothing is compiled in the build: the archive is already JavaScript.
    environment_variables = {
      NODE_ENV = "production"
    }
    source {
      # The generation pins the exact upload: a rebuilt archive is a new object (its name carries
      # the sha256) and a new generation, so the function's source changes and it redeploys.
      storage_source {
        bucket     = google_storage_bucket.source.name
        object     = google_storage_bucket_object.source.name
        generation = google_storage_bucket_object.source.generation
      }
    }
  }

  service_config {
    available_memory                 = each.value.memory
    available_cpu                    = each.value.cpu
    timeout_seconds                  = each.value.timeout_seconds
    max_instance_count               = each.value.max_instances
    min_instance_count               = each.value.min_instances
    max_instance_request_concurrency = each.value.concurrency
    environment_variables            = local.function_env
    service_account_email            = google_service_account.fn[each.key].email
    ingress_settings                 = each.value.trigger == "http" ? var.ingest_ingress : var.ingress
    all_traffic_on_latest_revision   = true
  }

  lifecycle {
    precondition {
      condition     = !contains(["map", "reduce"], each.key) || var.task_budget_seconds + 60 <= each.value.timeout_seconds
      error_message = "task_budget_seconds (${var.task_budget_seconds}) must be at least 60 s below the ${each.key} timeout (${each.value.timeout_seconds} s): the slice must commit before the function is killed."
    }
    precondition {
      condition     = each.value.concurrency == 1 || try(tonumber(each.value.cpu) >= 1, false)
      error_message = "${each.key}: concurrency above 1 needs cpu of at least 1 (set functions.${each.key}.cpu)."
    }
  }

  depends_on = [
    google_project_service.api,
    google_project_iam_member.build,
    google_project_iam_member.datastore_user,
  ]
}
