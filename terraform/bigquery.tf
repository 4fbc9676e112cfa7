# The dataset table outputs are loaded into. Tables are created by the finalize function on the
# first load (their schema is in the job), so none are declared here.
resource "google_bigquery_dataset" "cloudreduce" {
  dataset_id                 = var.bigquery_dataset
  location                   = var.bigquery_location
  description                = "cloudreduce job outputs"
  labels                     = var.labels
  delete_contents_on_destroy = var.force_destroy

  depends_on = [google_project_service.api]
}
