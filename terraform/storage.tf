# Three buckets, all with uniform bucket-level access and public access prevention enforced:
#   work      the engine's bucket: shuffle objects and uncommitted parts under tmp/ (deleted by a
#             lifecycle rule after tmp_retention_days, whatever happened to their run), published
#             NDJSON results under results/.
#   incoming  where users drop input files (gs://<incoming>/...) for jobs to read, and files to
#             ingest under ingest/<Kind>/ (notified to ingest-object, notifications.tf), whose
#             results ingest-object writes under ingest-results/.
#   source    the function archive built by `cloudreduce package`; no function can write to it.

resource "google_storage_bucket" "work" {
  name                        = local.work_bucket
  location                    = local.storage_location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy
  labels                      = var.labels

  # Scratch data: a deleted intermediate is never wanted back, and soft-deleted bytes are billed.
  soft_delete_policy {
    retention_duration_seconds = 0
  }

  # A finished run deletes its own tmp/<runId>/; this catches failed, aborted and abandoned runs.
  lifecycle_rule {
    condition {
      age            = var.tmp_retention_days
      matches_prefix = [local.tmp_prefix]
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  depends_on = [google_project_service.api]
}

resource "google_storage_bucket" "incoming" {
  name                        = local.incoming_bucket
  location                    = local.storage_location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy
  labels                      = var.labels

  depends_on = [google_project_service.api]
}

resource "google_storage_bucket" "source" {
  name                        = local.source_bucket
  location                    = local.storage_location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  # Only archives live here, each replaced by the next deploy; nothing to keep on destroy.
  force_destroy = true
  labels        = var.labels

  soft_delete_policy {
    retention_duration_seconds = 0
  }

  depends_on = [google_project_service.api]
}

# The archive's name carries its sha256, so a code change is a new object and a new
# build_config.source, which redeploys every function; an unchanged archive changes nothing.
locals {
  source_archive      = coalesce(var.source_archive, "${path.root}/../build/function-source.zip")
  source_archive_hash = fileexists(local.source_archive) ? filesha256(local.source_archive) : "missing"
}

resource "google_storage_bucket_object" "source" {
  name         = "function-source-${substr(local.source_archive_hash, 0, 32)}.zip"
  bucket       = google_storage_bucket.source.name
  source       = local.source_archive
  content_type = "application/zip"

  lifecycle {
    precondition {
      condition     = fileexists(local.source_archive)
      error_message = "No function archive at ${local.source_archive}. Run `npx cloudreduce package` in your project's root first (or set source_archive to the archive it wrote)."
    }
  }
}
