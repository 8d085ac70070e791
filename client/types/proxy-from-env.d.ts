// proxy-from-env 2.1.0 ships no types; this is its one export.
declare module 'proxy-from-env' {
  /** The proxy URL for `url` from *_PROXY / ALL_PROXY and NO_PROXY, or '' to go direct. */
  export function getProxyForUrl(url: string | URL): string;
}
