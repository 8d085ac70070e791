package main

import (
	"context"

	"github.com/hashicorp/terraform-plugin-sdk/v2/diag"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
)

// New returns the stand-in provider. Settings as in auth0/terraform-provider-auth0 v1.55.0,
// internal/provider/provider.go (New): every one optional, read from its AUTH0_* variable when
// unset, with the same ConflictsWith/RequiredWith rules.
func New() *schema.Provider {
	credentialFields := []string{"client_id", "client_secret", "client_assertion_private_key", "client_assertion_signing_alg"}
	return &schema.Provider{
		Schema: map[string]*schema.Schema{
			"domain":   {Type: schema.TypeString, Optional: true, DefaultFunc: schema.EnvDefaultFunc("AUTH0_DOMAIN", nil)},
			"audience": {Type: schema.TypeString, Optional: true, DefaultFunc: schema.EnvDefaultFunc("AUTH0_AUDIENCE", nil)},
			"client_id": {
				Type: schema.TypeString, Optional: true, DefaultFunc: schema.EnvDefaultFunc("AUTH0_CLIENT_ID", nil),
				ConflictsWith: []string{"api_token"},
			},
			"client_secret": {
				Type: schema.TypeString, Optional: true, DefaultFunc: schema.EnvDefaultFunc("AUTH0_CLIENT_SECRET", nil),
				RequiredWith:  []string{"client_id"},
				ConflictsWith: []string{"api_token", "client_assertion_private_key", "client_assertion_signing_alg"},
			},
			"client_assertion_private_key": {
				Type: schema.TypeString, Optional: true, DefaultFunc: schema.EnvDefaultFunc("AUTH0_CLIENT_ASSERTION_PRIVATE_KEY", nil),
				RequiredWith:  []string{"client_assertion_signing_alg", "client_id"},
				ConflictsWith: []string{"api_token", "client_secret"},
			},
			"client_assertion_signing_alg": {
				Type: schema.TypeString, Optional: true, DefaultFunc: schema.EnvDefaultFunc("AUTH0_CLIENT_ASSERTION_SIGNING_ALG", nil),
				RequiredWith:  []string{"client_assertion_private_key", "client_id"},
				ConflictsWith: []string{"api_token", "client_secret"},
			},
			"api_token": {
				Type: schema.TypeString, Optional: true, DefaultFunc: schema.EnvDefaultFunc("AUTH0_API_TOKEN", nil),
				ConflictsWith: credentialFields,
			},
			"debug":                {Type: schema.TypeBool, Optional: true},
			"dynamic_credentials":  {Type: schema.TypeBool, Optional: true},
			"cli_login":            {Type: schema.TypeBool, Optional: true},
			"custom_domain_header": {Type: schema.TypeString, Optional: true, DefaultFunc: schema.EnvDefaultFunc("AUTH0_CUSTOM_DOMAIN_HEADER", nil)},
		},
		ResourcesMap: map[string]*schema.Resource{
			"auth0_client":             clientResource(),
			"auth0_client_credentials": clientCredentialsResource(),
			"auth0_client_grant":       clientGrantResource(),
			"auth0_resource_server":    resourceServerResource(),
		},
		ConfigureContextFunc: configure,
	}
}

// configure needs a domain and one way to authenticate, as the real provider does before it
// builds its Management API client; it never contacts Auth0.
func configure(_ context.Context, d *schema.ResourceData) (interface{}, diag.Diagnostics) {
	if d.Get("domain").(string) == "" {
		return nil, diag.Errorf("stand-in auth0 provider: no domain (set AUTH0_DOMAIN or the provider's domain)")
	}
	if d.Get("api_token").(string) == "" && d.Get("client_id").(string) == "" && !d.Get("cli_login").(bool) {
		return nil, diag.Errorf("stand-in auth0 provider: no credentials (set AUTH0_API_TOKEN, or AUTH0_CLIENT_ID with a secret or assertion key)")
	}
	return nil, nil
}

// planOnly gives a transcribed schema the CRUD functions of a stand-in: plan works, apply fails.
func planOnly(r *schema.Resource) *schema.Resource {
	refuse := func(context.Context, *schema.ResourceData, interface{}) diag.Diagnostics {
		return diag.Errorf("stand-in auth0 provider: it validates and plans only; apply with the real auth0/auth0 provider")
	}
	r.CreateContext = refuse
	r.UpdateContext = refuse
	r.ReadContext = func(context.Context, *schema.ResourceData, interface{}) diag.Diagnostics { return nil }
	r.DeleteContext = func(_ context.Context, d *schema.ResourceData, _ interface{}) diag.Diagnostics {
		d.SetId("")
		return nil
	}
	return r
}
