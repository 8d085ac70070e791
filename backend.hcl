# Terraform state for every environment and stack: the app adds the key
# "<environment>/<stack>/terraform.tfstate" itself, so no `key` here.
# Create the bucket once with `ENVIRONMENT=dev npx cdktf deploy state-bootstrap` (see docs/INSTALL.md),
# or point this file at a bucket you already have.
# An environment whose state lives elsewhere (another account) gets its own
# environments/<env>/backend.hcl, which takes precedence over this file.
bucket       = "oidc-s3-terraform-state"
region       = "eu-west-1"
encrypt      = true
use_lockfile = true # S3-native locking, Terraform >= 1.10; or dynamodb_table = "…" for older versions
