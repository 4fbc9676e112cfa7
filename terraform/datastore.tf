# Run and task state live in Firestore in Datastore mode. The composite indexes come from the code
# (src/adapters/gcp/indexes.ts DATASTORE_INDEXES) through datastore-indexes.tf.json, which
# `npm run package` regenerates; test/terraform fails when the two disagree.

resource "google_firestore_database" "datastore" {
  count = var.create_datastore_database ? 1 : 0

  name        = var.datastore_database
  location_id = coalesce(var.datastore_location, var.region)
  type        = "DATASTORE_MODE"
  # Destroying the stack leaves the database (and its data) in place; delete it by hand if wanted.
  deletion_policy = "ABANDON"

  depends_on = [google_project_service.api]
}

resource "google_firestore_index" "datastore" {
  for_each = local.datastore_indexes

  database    = var.create_datastore_database ? google_firestore_database.datastore[0].name : var.datastore_database
  collection  = each.value.kind
  api_scope   = "DATASTORE_MODE_API"
  query_scope = "COLLECTION_GROUP"

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path = fields.value.field_path
      order      = fields.value.order
    }
  }

  depends_on = [google_project_service.api]
}
