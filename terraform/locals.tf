# Every name and setting derived from the variables, in one place. These locals depend on
# variables only (no resources, no provider), so the tests evaluate them with `terraform console`
# offline and check them against the code: topic names, the function list, the environment the
# functions parse, the scheduled job messages and who publishes where.

locals {
  # The functions, as src/cloud/functions.ts (CLOUD_FUNCTIONS) registers them, keyed by id (the
  # suffix of the function and service-account names): entry point and what triggers each, a
  # logical topic or "http". Settings are defaults; var.functions overrides them.
  # map/reduce get the 540 s ceiling (their slices are task_budget_seconds long); the rest are short.
  # ingest serves short, I/O-bound requests, several per instance (concurrency > 1 needs a whole
  # CPU); ingest-object reads an object of up to 64 MiB whole, one per instance. dead-letter fails
  # the runs of messages the other subscriptions gave up on (reads and writes run state only).
  function_defaults = {
    split           = { entry_point = "split", trigger = "jobs", memory = "512Mi", cpu = null, timeout_seconds = 300, max_instances = 10, min_instances = 0, concurrency = 1 }
    map             = { entry_point = "map", trigger = "map", memory = "1Gi", cpu = null, timeout_seconds = 540, max_instances = 100, min_instances = 0, concurrency = 1 }
    reduce          = { entry_point = "reduce", trigger = "reduce", memory = "1Gi", cpu = null, timeout_seconds = 540, max_instances = 100, min_instances = 0, concurrency = 1 }
    finalize        = { entry_point = "finalize", trigger = "finalize", memory = "512Mi", cpu = null, timeout_seconds = 540, max_instances = 10, min_instances = 0, concurrency = 1 }
    sweeper         = { entry_point = "sweeper", trigger = "sweep", memory = "256Mi", cpu = null, timeout_seconds = 300, max_instances = 1, min_instances = 0, concurrency = 1 }
    ingest          = { entry_point = "ingest", trigger = "http", memory = "512Mi", cpu = "1", timeout_seconds = 60, max_instances = 10, min_instances = 0, concurrency = 8 }
    "ingest-object" = { entry_point = "ingestObject", trigger = "incoming", memory = "1Gi", cpu = null, timeout_seconds = 540, max_instances = 10, min_instances = 0, concurrency = 1 }
    "dead-letter"   = { entry_point = "deadLetter", trigger = "dead_letter", memory = "256Mi", cpu = null, timeout_seconds = 60, max_instances = 1, min_instances = 0, concurrency = 1 }
  }
  functions = {
    for name, d in local.function_defaults : name => merge(d, {
      for key, value in try(var.functions[name], {}) : key => value if value != null
    })
  }
  # The functions a Pub/Sub push subscription delivers to (PUSH_FUNCTIONS): all but HTTP ingest,
  # which its callers invoke directly.
  push_functions = { for id, f in local.functions : id => f if f.trigger != "http" }

  # Topics by logical name (src/ports/message-bus.ts TOPICS, plus sweep, dead_letter and incoming,
  # where Cloud Storage publishes the incoming bucket's object notifications). With the default
  # prefix these are the names src/cloud/config.ts defaults to.
  topics = {
    jobs        = "${var.name_prefix}-jobs"
    map         = "${var.name_prefix}-map"
    reduce      = "${var.name_prefix}-reduce"
    finalize    = "${var.name_prefix}-finalize"
    sweep       = "${var.name_prefix}-sweep"
    dead_letter = "${var.name_prefix}-dead-letter"
    incoming    = "${var.name_prefix}-incoming"
  }

  # The work topics each function publishes to (pubsub.publisher is granted per topic, nothing
  # more). split plans stage 0 (map tasks, or finalize when there is nothing to read); map and
  # reduce continue their own slices and the barrier winner publishes the next phase; finalize
  # plans the next stage; the sweeper re-publishes any of them. Ingest only writes entities (and
  # ingest-object its result objects): it publishes nothing. test/terraform checks this against what
  # the engine publishes while running jobs.
  publishes = {
    split           = ["map", "finalize"]
    map             = ["map", "reduce", "finalize"]
    reduce          = ["reduce", "finalize"]
    finalize        = ["map", "finalize"]
    sweeper         = ["map", "reduce", "finalize"]
    ingest          = []
    "ingest-object" = []
    "dead-letter"   = []
  }

  work_bucket     = coalesce(var.work_bucket_name, "${var.project_id}-${var.name_prefix}-work")
  incoming_bucket = coalesce(var.incoming_bucket_name, "${var.project_id}-${var.name_prefix}-incoming")
  source_bucket   = coalesce(var.source_bucket_name, "${var.project_id}-${var.name_prefix}-source")
  # Buckets a function may read job input from.
  input_buckets    = distinct(concat([local.work_bucket, local.incoming_bucket], var.input_buckets))
  storage_location = coalesce(var.storage_location, var.region)
  work_prefix      = trim(var.work_prefix, "/")
  # Shuffle objects and uncommitted output parts: tmp/<runId>/... (src/core/map-task.ts, finalize.ts).
  tmp_prefix = local.work_prefix == "" ? "tmp/" : "${local.work_prefix}/tmp/"

  # ingest-object ingests the incoming bucket's objects under ingest_prefix (ingest/<Kind>/...; only
  # they are notified) and writes its results under ingest_results_prefix (src/ingest/object.ts).
  ingest_prefix         = "ingest/"
  ingest_results_prefix = "ingest-results/"

  # The environment every function gets: exactly the names src/cloud/config.ts reads (CLOUD_ENV).
  # Emulator endpoints and the scratch directory keep their defaults in the cloud.
  function_env = {
    CLOUDREDUCE_PROJECT_ID          = var.project_id
    CLOUDREDUCE_REGION              = var.region
    CLOUDREDUCE_WORK_BUCKET         = local.work_bucket
    CLOUDREDUCE_WORK_PREFIX         = local.work_prefix
    CLOUDREDUCE_INCOMING_BUCKET     = local.incoming_bucket
    CLOUDREDUCE_TOPIC_JOBS          = local.topics.jobs
    CLOUDREDUCE_TOPIC_MAP           = local.topics.map
    CLOUDREDUCE_TOPIC_REDUCE        = local.topics.reduce
    CLOUDREDUCE_TOPIC_FINALIZE      = local.topics.finalize
    CLOUDREDUCE_TOPIC_SWEEP         = local.topics.sweep
    CLOUDREDUCE_TOPIC_DEAD_LETTER   = local.topics.dead_letter
    CLOUDREDUCE_TOPIC_INCOMING      = local.topics.incoming
    CLOUDREDUCE_BIGQUERY_DATASET    = var.bigquery_dataset
    CLOUDREDUCE_BIGQUERY_LOCATION   = var.bigquery_location
    CLOUDREDUCE_DATASTORE_NAMESPACE = var.datastore_namespace
    CLOUDREDUCE_DATASTORE_DATABASE  = var.datastore_database
    CLOUDREDUCE_TASK_BUDGET_SECONDS = tostring(var.task_budget_seconds)
    CLOUDREDUCE_LEASE_SECONDS       = tostring(var.lease_seconds)
    CLOUDREDUCE_STALL_SECONDS       = tostring(var.stall_seconds)
    CLOUDREDUCE_JOBS                = join(",", var.job_modules)
    CLOUDREDUCE_LOG                 = var.log_level
  }

  # One job message per schedule (src/core/messages.ts parseJobMessage), absent fields left out.
  scheduled_messages = {
    for name, s in var.schedules : name => {
      for key, value in {
        job         = s.job
        params      = s.params
        inputs      = s.inputs
        shards      = s.shards
        partitions  = s.partitions
        maxAttempts = s.max_attempts
        origin      = "schedule:${name}"
      } : key => value if value != null
    }
  }
  # What the sweeper function receives on each tick; it only needs a non-empty message.
  sweep_message = { origin = "schedule:sweep" }
}
