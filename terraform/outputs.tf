output "topics" {
  description = "Pub/Sub topic names by logical name."
  value       = { for key, topic in google_pubsub_topic.topic : key => topic.name }
}

output "buckets" {
  description = "Bucket names: work (tmp/ intermediates, results/), incoming (input files), source (function archives)."
  value = {
    work     = google_storage_bucket.work.name
    incoming = google_storage_bucket.incoming.name
    source   = google_storage_bucket.source.name
  }
}

output "function_urls" {
  description = "Function URLs by function name (invokable only with a token of the push account)."
  value       = local.function_urls
}

output "bigquery_dataset" {
  description = "Dataset of table outputs, as project:dataset."
  value       = "${var.project_id}:${google_bigquery_dataset.cloudreduce.dataset_id}"
}

output "dead_letter_subscription" {
  description = "Pull subscription holding messages that failed max_delivery_attempts times."
  value       = google_pubsub_subscription.dead_letter.name
}

output "service_accounts" {
  description = "Service account emails: one per function, plus push and build."
  value = merge(
    { for name, sa in google_service_account.fn : name => sa.email },
    { push = google_service_account.push.email, build = local.build_service_account },
  )
}

output "source_object" {
  description = "The deployed function archive (its name carries the archive's sha256)."
  value       = "gs://${google_storage_bucket.source.name}/${google_storage_bucket_object.source.name}"
}

output "cli_environment" {
  description = "The variables `cloudreduce submit --project` and `cloudreduce status --project` read (the functions' environment)."
  value       = local.function_env
}
