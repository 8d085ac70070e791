package main

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/validation"
)

// resourceServerResource: auth0_resource_server as in auth0/terraform-provider-auth0 v1.55.0,
// internal/auth0/resourceserver/resource.go (NewResource). Every top-level attribute is here.
// Nested blocks never set by this project and therefore not transcribed: authorization_details,
// token_encryption, proof_of_possession, authorization_policy, subject_type_authorization.
// (They are Optional+Computed blocks; leaving them out cannot make a plan of ours pass that the
// real provider would reject, because we never write them.)
func resourceServerResource() *schema.Resource {
	return planOnly(&schema.Resource{
		Schema: map[string]*schema.Schema{
			"name":       {Type: schema.TypeString, Optional: true, Computed: true},
			"identifier": {Type: schema.TypeString, Required: true, ForceNew: true},
			"signing_alg": {
				Type: schema.TypeString, Optional: true, Computed: true,
				ValidateFunc: validation.StringInSlice([]string{"HS256", "RS256", "PS256"}, true),
			},
			"signing_secret": {
				Type: schema.TypeString, Optional: true, Computed: true,
				ValidateFunc: func(i interface{}, k string) ([]string, []error) {
					if v, ok := i.(string); !ok || len(v) < 16 {
						return nil, []error{fmt.Errorf("expected length of %s to be at least 16", k)}
					}
					return nil, nil
				},
			},
			"allow_offline_access":                            {Type: schema.TypeBool, Optional: true, Computed: true},
			"allow_online_access":                             {Type: schema.TypeBool, Optional: true, Computed: true},
			"allow_online_access_with_ephemeral_sessions":     {Type: schema.TypeBool, Optional: true, Computed: true},
			"token_lifetime":                                  {Type: schema.TypeInt, Optional: true, Computed: true},
			"token_lifetime_for_web":                          {Type: schema.TypeInt, Optional: true, Computed: true},
			"skip_consent_for_verifiable_first_party_clients": {Type: schema.TypeBool, Optional: true, Computed: true},
			"verification_location":                           {Type: schema.TypeString, Optional: true},
			"enforce_policies":                                {Type: schema.TypeBool, Optional: true, Computed: true},
			"token_dialect": {
				Type: schema.TypeString, Optional: true, Computed: true,
				ValidateFunc: validation.StringInSlice([]string{"access_token", "access_token_authz", "rfc9068_profile", "rfc9068_profile_authz"}, true),
			},
			"consent_policy": {
				Type: schema.TypeString, Optional: true, Computed: true,
				ValidateFunc: validation.StringInSlice([]string{"transactional-authorization-with-mfa", "null"}, true),
			},
			"client_id": {Type: schema.TypeString, Computed: true},
			"is_system": {Type: schema.TypeBool, Computed: true},
		},
	})
}
