package main

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/validation"
)

// clientCredentialsResource: auth0_client_credentials as in auth0/terraform-provider-auth0
// v1.55.0, internal/auth0/client/resource_credentials_schema.go (NewCredentialsResource).
// Every top-level attribute is here. Blocks this project never sets, not transcribed:
// private_key_jwt, tls_client_auth, self_signed_tls_client_auth, signed_request_object,
// token_vault_privileged_access (so their ConflictsWith entries are left out too). The real
// resource's schema version (1) and state upgrader matter only for existing state, never for
// the plans of new resources this stand-in makes.
func clientCredentialsResource() *schema.Resource {
	return planOnly(&schema.Resource{
		Schema: map[string]*schema.Schema{
			"client_id": {Type: schema.TypeString, Required: true, ForceNew: true},
			"authentication_method": {
				Type: schema.TypeString, Optional: true, Computed: true,
				ValidateFunc: validation.StringInSlice([]string{
					"none", "client_secret_post", "client_secret_basic", "private_key_jwt",
					"tls_client_auth", "self_signed_tls_client_auth",
				}, false),
			},
			"client_secret": {
				Type: schema.TypeString, Optional: true, Computed: true, Sensitive: true,
				ConflictsWith: []string{"client_secret_wo"},
			},
			"client_secret_wo": {
				Type: schema.TypeString, Optional: true, WriteOnly: true, Sensitive: true,
				ConflictsWith: []string{"client_secret"},
				RequiredWith:  []string{"client_secret_wo_version"},
			},
			"client_secret_wo_version": {
				Type: schema.TypeInt, Optional: true,
				RequiredWith: []string{"client_secret_wo"},
				ValidateFunc: validation.IntAtLeast(1),
			},
		},
	})
}
