# A complete deployment that counts the words of the text files in the incoming bucket every five
# hours into the BigQuery table cloudreduce.wordcount, and ingests tweets into Datastore (Tweet
# entities) over HTTP or from files dropped under ingest/Tweet/.
#
#   npm run package
#   cp terraform/examples/wordcount.tfvars terraform/my.tfvars   # set project_id
#   terraform -chdir=terraform init
#   terraform -chdir=terraform apply -var-file=my.tfvars
#   gcloud storage cp books/*.txt gs://my-project-id-cloudreduce-incoming/books/
#   gcloud storage cp tweets.ndjson gs://my-project-id-cloudreduce-incoming/ingest/Tweet/
#
# Replace my-project-id with your project. Everything not set here keeps its default
# (variables.tf). test/terraform validates every scheduled message below against the registered
# jobs, so a typo in a job or param name fails `npm test`, not the 3 a.m. run.

project_id = "my-project-id"
region     = "us-central1"

schedules = {
  wordcount-books = {
    description = "Word counts of gs://my-project-id-cloudreduce-incoming/books/, every 5 hours"
    schedule    = "0 */5 * * *" # minute 0 of hours 0, 5, 10, 15 and 20
    time_zone   = "Etc/UTC"
    job         = "wordcount"
    inputs      = ["gs://my-project-id-cloudreduce-incoming/books/*.txt"]
    partitions  = 8
  }
  # The tweet-analytics app (ingest, analysis every 5 hours, a nightly summary) is
  # examples/tweet-analytics.tfvars.
}

# Who may POST records to the ingest function (terraform output ingest_url), as IAM members: the
# service account of the system that sends tweets, a group, a user. They must exist. allUsers and
# allAuthenticatedUsers are refused: ingest writes to Datastore. Empty (the default): nobody, and
# only dropped files are ingested.
ingest_invokers = [
  # "serviceAccount:tweet-loader@my-project-id.iam.gserviceaccount.com",
  # "group:data-loaders@example.com",
]

# Map and reduce get the 540 s ceiling by default; give map more memory for big books.
functions = {
  map = { memory = "2Gi" }
}
