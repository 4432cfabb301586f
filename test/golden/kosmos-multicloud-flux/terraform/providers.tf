# Credentials come from the environment (SCW_ACCESS_KEY, SCW_SECRET_KEY), never from this repository.
# Every pool sets its own zone; the provider zone only serves resources that set none.
provider "scaleway" {
  region     = "fr-par"
  zone       = "fr-par-1"
  project_id = var.project_id
}
