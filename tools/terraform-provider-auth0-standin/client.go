package main

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/validation"
)

// validAppTypes: ValidAppTypes of auth0/terraform-provider-auth0 v1.55.0,
// internal/auth0/client/resource.go.
var validAppTypes = []string{
	"native", "spa", "regular_web", "non_interactive", "resource_server", "rms",
	"box", "cloudbees", "concur", "dropbox", "mscrm", "echosign",
	"egnyte", "newrelic", "office365", "salesforce", "sentry",
	"sharepoint", "slack", "springcm", "sso_integration", "zendesk", "zoom", "express_configuration",
}

func stringList() *schema.Schema { return &schema.Schema{Type: schema.TypeString} }

// clientResource: auth0_client as in auth0/terraform-provider-auth0 v1.55.0,
// internal/auth0/client/resource.go (NewResource). Every top-level attribute and the
// jwt_configuration block are here; initiate_login_uri's URL check is not transcribed.
// Nested blocks this project never sets, not transcribed: mobile, native_social_login,
// refresh_token, addons, default_organization, token_exchange, oidc_logout, session_transfer,
// fedcm_login, identity_assertion_authorization_grant, my_organization_configuration,
// express_configuration.
func clientResource() *schema.Resource {
	return planOnly(&schema.Resource{
		Schema: map[string]*schema.Schema{
			"name":                         {Type: schema.TypeString, Required: true},
			"description":                  {Type: schema.TypeString, Optional: true, ValidateFunc: validation.StringLenBetween(0, 140)},
			"client_id":                    {Type: schema.TypeString, Computed: true},
			"external_client_id":           {Type: schema.TypeString, Computed: true},
			"external_metadata_type":       {Type: schema.TypeString, Computed: true},
			"external_metadata_created_by": {Type: schema.TypeString, Computed: true},
			"jwks_uri":                     {Type: schema.TypeString, Computed: true},
			"client_aliases":               {Type: schema.TypeList, Elem: stringList(), Optional: true},
			"app_type":                     {Type: schema.TypeString, Optional: true, ValidateFunc: validation.StringInSlice(validAppTypes, false)},
			"logo_uri":                     {Type: schema.TypeString, Optional: true},
			"is_first_party":               {Type: schema.TypeBool, Optional: true, Computed: true},
			"third_party_security_mode": {
				Type: schema.TypeString, Optional: true, Computed: true,
				ValidateFunc: validation.StringInSlice([]string{"strict", "permissive"}, false),
			},
			"redirection_policy": {
				Type: schema.TypeString, Optional: true, Computed: true,
				ValidateFunc: validation.StringInSlice([]string{"allow_always", "open_redirect_protection"}, false),
			},
			"is_token_endpoint_ip_header_trusted": {Type: schema.TypeBool, Optional: true, Computed: true},
			"oidc_conformant":                     {Type: schema.TypeBool, Optional: true, Computed: true},
			"callbacks":                           {Type: schema.TypeList, Elem: stringList(), Optional: true, Computed: true},
			"allowed_logout_urls":                 {Type: schema.TypeList, Elem: stringList(), Optional: true},
			"oidc_backchannel_logout_urls":        {Type: schema.TypeSet, Elem: stringList(), Optional: true, Computed: true},
			"grant_types":                         {Type: schema.TypeList, Elem: stringList(), Optional: true, Computed: true},
			"async_approval_notification_channels": {
				Type: schema.TypeList, Optional: true,
				Elem: &schema.Schema{Type: schema.TypeString, ValidateFunc: validation.StringInSlice([]string{"guardian-push", "email"}, false)},
			},
			"organization_usage": {
				Type: schema.TypeString, Optional: true, Computed: true,
				ValidateFunc: validation.StringInSlice([]string{"deny", "allow", "require"}, false),
			},
			"organization_require_behavior": {
				Type: schema.TypeString, Optional: true, Computed: true,
				ValidateFunc: validation.StringInSlice([]string{"no_prompt", "pre_login_prompt", "post_login_prompt"}, false),
			},
			"organization_discovery_methods": {
				Type: schema.TypeList, Optional: true,
				Elem: &schema.Schema{Type: schema.TypeString, ValidateFunc: validation.StringInSlice([]string{"email", "organization_name"}, false)},
			},
			"allowed_origins": {Type: schema.TypeList, Elem: stringList(), Optional: true},
			"allowed_clients": {Type: schema.TypeList, Elem: stringList(), Optional: true},
			"web_origins":     {Type: schema.TypeList, Elem: stringList(), Optional: true},
			"jwt_configuration": {
				Type: schema.TypeList, Optional: true, Computed: true, MaxItems: 1,
				Elem: &schema.Resource{Schema: map[string]*schema.Schema{
					"lifetime_in_seconds": {Type: schema.TypeInt, Optional: true, Computed: true},
					"secret_encoded":      {Type: schema.TypeBool, Optional: true, Computed: true, ForceNew: true},
					"scopes":              {Type: schema.TypeMap, Optional: true, Elem: stringList()},
					"alg": {
						Type: schema.TypeString, Optional: true,
						ValidateFunc: validation.StringInSlice([]string{"HS256", "RS256", "PS256"}, false),
					},
				}},
			},
			"encryption_key":                        {Type: schema.TypeMap, Optional: true, Elem: stringList()},
			"sso":                                   {Type: schema.TypeBool, Optional: true},
			"sso_disabled":                          {Type: schema.TypeBool, Optional: true},
			"cross_origin_auth":                     {Type: schema.TypeBool, Optional: true},
			"cross_origin_loc":                      {Type: schema.TypeString, Optional: true},
			"custom_login_page_on":                  {Type: schema.TypeBool, Optional: true, Computed: true},
			"custom_login_page":                     {Type: schema.TypeString, Optional: true},
			"form_template":                         {Type: schema.TypeString, Optional: true},
			"client_metadata":                       {Type: schema.TypeMap, Optional: true, Elem: schema.TypeString},
			"require_pushed_authorization_requests": {Type: schema.TypeBool, Optional: true},
			"initiate_login_uri":                    {Type: schema.TypeString, Optional: true},
			"signing_keys":                          {Type: schema.TypeList, Elem: &schema.Schema{Type: schema.TypeMap}, Computed: true, Sensitive: true},
			"compliance_level": {
				Type: schema.TypeString, Optional: true,
				ValidateFunc: validation.StringInSlice([]string{"none", "fapi1_adv_pkj_par", "fapi1_adv_mtls_par"}, false),
			},
			"require_proof_of_possession": {Type: schema.TypeBool, Optional: true},
			"skip_non_verifiable_callback_uri_confirmation_prompt": {
				Type: schema.TypeString, Optional: true,
				ValidateFunc: validation.StringInSlice([]string{"true", "false", "null"}, false),
			},
			"resource_server_identifier": {Type: schema.TypeString, Optional: true},
		},
	})
}
