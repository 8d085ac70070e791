package main

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/validation"
)

// clientGrantResource: auth0_client_grant as in auth0/terraform-provider-auth0 v1.55.0,
// internal/auth0/client/resource_grant.go (NewGrantResource), complete, with its CustomizeDiff
// rule (validateClientGrant): scopes or allow_all_scopes = true, not a non-empty scopes list
// together with allow_all_scopes = true.
func clientGrantResource() *schema.Resource {
	return planOnly(&schema.Resource{
		CustomizeDiff: checkGrantScopes,
		Schema: map[string]*schema.Schema{
			"client_id": {
				Type: schema.TypeString, Optional: true, ForceNew: true,
				ConflictsWith: []string{"default_for"},
				AtLeastOneOf:  []string{"client_id", "default_for"},
			},
			"audience": {Type: schema.TypeString, Required: true, ForceNew: true},
			"scopes": {
				Type: schema.TypeList, Optional: true,
				Elem: &schema.Schema{Type: schema.TypeString, ValidateFunc: validation.StringIsNotEmpty},
			},
			"organization_usage": {
				Type: schema.TypeString, Optional: true,
				ValidateFunc: validation.StringInSlice([]string{"allow", "deny", "require"}, true),
			},
			"allow_any_organization": {Type: schema.TypeBool, Optional: true},
			"subject_type": {
				Type: schema.TypeString, Optional: true, ForceNew: true, Computed: true,
				ValidateFunc: validation.StringInSlice([]string{"client", "user"}, true),
			},
			"authorization_details_types": {
				Type: schema.TypeList, Optional: true,
				Elem: &schema.Schema{Type: schema.TypeString, ValidateFunc: validation.StringIsNotEmpty},
			},
			"is_system": {Type: schema.TypeBool, Computed: true},
			"default_for": {
				Type: schema.TypeString, Optional: true, ForceNew: true,
				ValidateFunc:  validation.StringInSlice([]string{"third_party_clients"}, false),
				ConflictsWith: []string{"client_id"},
				AtLeastOneOf:  []string{"client_id", "default_for"},
			},
			"allow_all_scopes": {Type: schema.TypeBool, Optional: true},
		},
	})
}

func checkGrantScopes(_ context.Context, diff *schema.ResourceDiff, _ interface{}) error {
	config := diff.GetRawConfig()
	if config.IsNull() {
		return nil
	}
	scopes := config.GetAttr("scopes")
	allowAll := diff.Get("allow_all_scopes").(bool)
	if allowAll && !scopes.IsNull() && scopes.IsKnown() && scopes.LengthInt() > 0 {
		return fmt.Errorf("`scopes` cannot be provided when `allow_all_scopes` is set to `true`")
	}
	if !allowAll && scopes.IsNull() {
		return fmt.Errorf("either `scopes` must be provided or `allow_all_scopes` must be set to `true`")
	}
	return nil
}
