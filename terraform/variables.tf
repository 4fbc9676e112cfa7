# Inputs of the cloudreduce deployment. Only project_id is required; terraform/examples/ has a
# complete tfvars file. Names and defaults match src/cloud/config.ts (CLOUD_ENV), which the
# functions read; test/terraform checks that they agree.

variable "project_id" {
  description = "Google Cloud project to deploy into."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be 6-30 lowercase letters, digits and dashes, starting with a letter."
  }
}

variable "region" {
  description = "Region of the functions, topics' consumers, scheduler jobs and (by default) buckets and database."
  type        = string
  default     = "us-central1"
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as \"us-central1\" or \"europe-west1\"."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name (topics, functions, service accounts, buckets). The default gives the topic names the code defaults to."
  type        = string
  default     = "cloudreduce"
  validation {
    # Service account ids are at most 30 characters: prefix + "-ingest-object" (14) must fit.
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-16 lowercase letters, digits and dashes, starting with a letter (service account ids such as <prefix>-ingest-object are at most 30 characters)."
  }
}

variable "labels" {
  description = "Labels added to the resources that take labels."
  type        = map(string)
  default     = {}
}

# --- function source ---------------------------------------------------------------------------

variable "source_archive" {
  description = "Path of the zip built by `npm run package`. Default: dist/function-source.zip in the repository (next to this folder)."
  type        = string
  default     = null
}

variable "build_service_account" {
  description = "Email of an existing service account for Cloud Build to build the functions with. Default: one is created with the roles the build needs."
  type        = string
  default     = null
}

# --- storage -----------------------------------------------------------------------------------

variable "storage_location" {
  description = "Location of the buckets. Default: the region."
  type        = string
  default     = null
}

variable "work_bucket_name" {
  description = "Bucket for intermediates (tmp/) and results (results/). Default: <project>-<prefix>-work."
  type        = string
  default     = null
}

variable "incoming_bucket_name" {
  description = "Bucket users drop input files into, and files to ingest under ingest/<Kind>/. Default: <project>-<prefix>-incoming."
  type        = string
  default     = null
}

variable "source_bucket_name" {
  description = "Bucket holding the function source archive. Default: <project>-<prefix>-source."
  type        = string
  default     = null
}

variable "work_prefix" {
  description = "Object name prefix inside the work bucket ('' = bucket root); CLOUDREDUCE_WORK_PREFIX."
  type        = string
  default     = ""
}

variable "tmp_retention_days" {
  description = "Intermediates (tmp/ in the work bucket) are deleted after this many days, whatever happened to their run. A run must finish within it."
  type        = number
  default     = 2
  validation {
    condition     = var.tmp_retention_days >= 1 && floor(var.tmp_retention_days) == var.tmp_retention_days
    error_message = "tmp_retention_days must be a whole number of days, at least 1."
  }
}

variable "input_buckets" {
  description = "Other buckets the functions may read job input from (gs://BUCKET/... in job messages). The work and incoming buckets are always readable."
  type        = list(string)
  default     = []
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete buckets and the dataset that still hold data. Set to true (and apply) before tearing down."
  type        = bool
  default     = false
}

# --- BigQuery and Datastore ----------------------------------------------------------------------

variable "bigquery_dataset" {
  description = "Dataset that table outputs are loaded into; CLOUDREDUCE_BIGQUERY_DATASET."
  type        = string
  default     = "cloudreduce"
  validation {
    condition     = can(regex("^[A-Za-z0-9_]+$", var.bigquery_dataset)) && length(var.bigquery_dataset) <= 1024
    error_message = "bigquery_dataset must be letters, digits and underscores (no dashes or dots)."
  }
}

variable "bigquery_location" {
  description = "Location of the dataset and of the load jobs; CLOUDREDUCE_BIGQUERY_LOCATION."
  type        = string
  default     = "US"
}

variable "datastore_database" {
  description = "Firestore database in Datastore mode holding run and task state; CLOUDREDUCE_DATASTORE_DATABASE."
  type        = string
  default     = "(default)"
}

variable "create_datastore_database" {
  description = "Create the Datastore-mode database. Set to false when the project already has it (a project has one (default) database)."
  type        = bool
  default     = true
}

variable "datastore_location" {
  description = "Location of a database this module creates (a region, or nam5 / eur3). Default: the region."
  type        = string
  default     = null
}

variable "datastore_namespace" {
  description = "Datastore namespace of the engine's state ('' = default namespace); CLOUDREDUCE_DATASTORE_NAMESPACE."
  type        = string
  default     = ""
}

# --- functions -----------------------------------------------------------------------------------

variable "functions" {
  description = <<-EOT
    Per-function overrides of the settings in locals.tf (function_defaults), keyed by function id
    (split, map, reduce, finalize, sweeper, ingest, ingest-object):
    memory ("512Mi", "1Gi", ...), cpu ("1", "2"; default: what the memory tier gets), timeout_seconds
    (<= 540), max_instances, min_instances and concurrency (requests per instance; > 1 needs cpu >= 1).
  EOT
  type = map(object({
    memory          = optional(string)
    cpu             = optional(string)
    timeout_seconds = optional(number)
    max_instances   = optional(number)
    min_instances   = optional(number)
    concurrency     = optional(number)
  }))
  default = {}
  validation {
    condition     = alltrue([for name in keys(var.functions) : contains(["split", "map", "reduce", "finalize", "sweeper", "ingest", "ingest-object", "dead-letter"], name)])
    error_message = "functions may only have keys split, map, reduce, finalize, sweeper, ingest, ingest-object and dead-letter."
  }
  validation {
    condition     = alltrue([for f in values(var.functions) : f.timeout_seconds == null || (coalesce(f.timeout_seconds, 0) >= 1 && coalesce(f.timeout_seconds, 0) <= 540)])
    error_message = "timeout_seconds must be 1-540: event-driven functions cannot run longer."
  }
}

variable "ingress" {
  description = "Who can reach the Pub/Sub-triggered functions over the network. Pub/Sub push from this project counts as internal. The HTTP ingest function has its own, ingest_ingress."
  type        = string
  default     = "ALLOW_INTERNAL_ONLY"
  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.ingress)
    error_message = "ingress must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

# --- ingest --------------------------------------------------------------------------------------

variable "ingest_invokers" {
  description = <<-EOT
    Principals allowed to call the HTTP ingest function (roles/run.invoker on its service), as IAM
    members: "serviceAccount:loader@my-project-id.iam.gserviceaccount.com", "group:loaders@example.com",
    "user:someone@example.com". Default: nobody. Ingest writes Datastore entities, so public
    principals are refused.
  EOT
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for m in var.ingest_invokers : !contains(["allUsers", "allAuthenticatedUsers"], m)])
    error_message = "ingest_invokers must not contain allUsers or allAuthenticatedUsers: ingest writes to Datastore; grant named principals such as serviceAccount:NAME@PROJECT.iam.gserviceaccount.com or group:NAME@DOMAIN."
  }
  validation {
    condition     = alltrue([for m in var.ingest_invokers : can(regex("^[a-zA-Z]+:[^\\s:]\\S*$", m))])
    error_message = "ingest_invokers entries must be IAM members of the form type:value, e.g. serviceAccount:loader@my-project-id.iam.gserviceaccount.com, group:loaders@example.com or user:someone@example.com."
  }
}

variable "ingest_ingress" {
  description = "Who can reach the HTTP ingest function over the network. Every request still needs an identity token of one of ingest_invokers; ALLOW_INTERNAL_ONLY limits callers to this project's VPC networks."
  type        = string
  default     = "ALLOW_ALL"
  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.ingest_ingress)
    error_message = "ingest_ingress must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

variable "task_budget_seconds" {
  description = "A map or reduce task commits a slice and continues in a new message after this long; CLOUDREDUCE_TASK_BUDGET_SECONDS. Keep it 60 s or more below the map/reduce timeout."
  type        = number
  default     = 420
  validation {
    condition     = var.task_budget_seconds >= 1 && var.task_budget_seconds <= 530
    error_message = "task_budget_seconds must be 1-530."
  }
}

variable "lease_seconds" {
  description = "Task lease; a dead worker's task is taken over after it; CLOUDREDUCE_LEASE_SECONDS."
  type        = number
  default     = 60
  validation {
    condition     = var.lease_seconds >= 2 && var.lease_seconds <= 3600
    error_message = "lease_seconds must be 2-3600."
  }
}

variable "stall_seconds" {
  description = "The sweeper flags a running run with no progress for this long; CLOUDREDUCE_STALL_SECONDS."
  type        = number
  default     = 900
  validation {
    condition     = var.stall_seconds > var.lease_seconds && var.stall_seconds <= 604800
    error_message = "stall_seconds must be longer than lease_seconds and at most 7 days."
  }
}

variable "job_modules" {
  description = "User job modules, as paths inside the function archive (compiled .js, e.g. \"examples/top-users.js\" after `npm run package -- --entry examples/top-users.ts`); CLOUDREDUCE_JOBS."
  type        = list(string)
  default     = []
}

variable "log_level" {
  description = "Function log level; CLOUDREDUCE_LOG."
  type        = string
  default     = "info"
  validation {
    condition     = contains(["debug", "info", "warning", "error"], var.log_level)
    error_message = "log_level must be debug, info, warning or error."
  }
}

# --- delivery ------------------------------------------------------------------------------------

variable "max_delivery_attempts" {
  description = "Deliveries of one message before Pub/Sub moves it to the dead-letter topic. Keep it above a job's maxAttempts (default 3): the engine fails a task itself after that many attempts."
  type        = number
  default     = 10
  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be 5-100 (Pub/Sub's limits)."
  }
}

variable "retry_minimum_backoff_seconds" {
  description = "Pub/Sub's first redelivery delay after a failed (nacked) delivery."
  type        = number
  default     = 10
  validation {
    condition     = var.retry_minimum_backoff_seconds >= 0 && var.retry_minimum_backoff_seconds <= 600
    error_message = "retry_minimum_backoff_seconds must be 0-600."
  }
}

variable "retry_maximum_backoff_seconds" {
  description = "Pub/Sub's longest redelivery delay."
  type        = number
  default     = 600
  validation {
    condition     = var.retry_maximum_backoff_seconds >= var.retry_minimum_backoff_seconds && var.retry_maximum_backoff_seconds <= 600
    error_message = "retry_maximum_backoff_seconds must be at least the minimum and at most 600."
  }
}

# --- schedules -----------------------------------------------------------------------------------

variable "schedules" {
  description = <<-EOT
    Jobs started by Cloud Scheduler, by name: schedule (unix cron), time_zone (tz database name),
    job (a registered job), params (name = value, as strings: the same values `--param k=v` takes),
    and optionally inputs (paths or globs, e.g. gs://bucket/books/*.txt), shards, partitions and
    max_attempts. Each becomes a job message published to the jobs topic.
  EOT
  type = map(object({
    schedule     = string
    time_zone    = optional(string, "Etc/UTC")
    job          = string
    params       = optional(map(string), {})
    inputs       = optional(list(string))
    shards       = optional(number)
    partitions   = optional(number)
    max_attempts = optional(number)
    description  = optional(string)
    paused       = optional(bool, false)
  }))
  default = {}
  validation {
    condition     = alltrue([for name in keys(var.schedules) : can(regex("^[a-z][a-z0-9-]{0,40}$", name))])
    error_message = "schedule names must be lowercase letters, digits and dashes (they become scheduler job names)."
  }
}

variable "sweep_schedule" {
  description = "How often the sweeper runs (unix cron): it re-publishes lost or expired work and flags stalled runs."
  type        = string
  default     = "*/5 * * * *"
}

variable "scheduler_region" {
  description = "Region of the Cloud Scheduler jobs. Default: the region."
  type        = string
  default     = null
}
