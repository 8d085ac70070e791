// The AWS SDK's notice about Node 20 (the Lambda runs on nodejs22.x) would otherwise repeat in
// every test worker; the host client sets the same switch itself.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
