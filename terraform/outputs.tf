output "topics" {
  description = "Pub/Sub topic names by logical name."
  value       = { for key, topic in google_pubsub_topic.topic : key => topic.name }
}

output "buckets" {
  description = "Bucket names: work (tmp/ intermediates, results/), incoming (input files; files to ingest under ingest/), source (function archives)."
  value = {
    work     = google_storage_bucket.work.name
    incoming = google_storage_bucket.incoming.name
    source   = google_storage_bucket.source.name
  }
}

output "function_urls" {
  description = "Function URLs by function id (the Pub/Sub-triggered ones are invokable only with a token of the push account; ingest with one of ingest_invokers)."
  value       = local.function_urls
}

output "ingest_url" {
  description = "URL of the HTTP ingest function: POST records to it with ?kind=<Kind> and an identity token of one of ingest_invokers (docs/ingest.md)."
  value       = local.function_urls["ingest"]
}

output "ingest_drop" {
  description = "Where to drop files for ingest-object: gs://<incoming>/ingest/<Kind>/<anything>.ndjson or .csv."
  value       = "gs://${google_storage_bucket.incoming.name}/${local.ingest_prefix}"
}

output "ingest_results" {
  description = "Where ingest-object writes each object's <object>.summary.json and <object>.rejects.ndjson."
  value       = "gs://${google_storage_bucket.incoming.name}/${local.ingest_results_prefix}"
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
  description = "Service account emails: one per function (by id), plus push and build."
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
