# Credentials come from the environment (SCW_ACCESS_KEY, SCW_SECRET_KEY), never from this repository.
provider "scaleway" {
  region     = "fr-par"
  zone       = "fr-par-2"
  project_id = var.project_id
}
