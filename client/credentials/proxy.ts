import { globalAgent as httpGlobalAgent, type Agent, type ClientRequest } from 'node:http';
import { globalAgent as httpsGlobalAgent } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { Agent as AgentBase, type AgentConnectOpts } from 'agent-base';
import { getProxyForUrl } from 'proxy-from-env';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';

/**
 * The forward proxy for one request, from the usual environment variables.
 *
 * The rules are proxy-from-env's (curl's convention): `HTTPS_PROXY` for https: URLs, `HTTP_PROXY`
 * for http: URLs, `ALL_PROXY` as a fallback, lower-case names first. `NO_PROXY` lists host names,
 * optionally with `:port`; an entry starting with `.` or `*.` also covers every subdomain, and `*`
 * alone turns the proxy off. On top of the library, CIDR entries (`10.0.0.0/8`, `fd00::/8`,
 * `::1/128`) cover the URLs whose host is an IP address in the range (noProxyRange): a host name is
 * never resolved to be matched against them, as curl does.
 * Modules that call this are loaded only when a network call happens, never on a cache hit.
 */
export interface ProxyRoute {
  /** The agent to pass to node:http(s) or to the SDK's NodeHttpHandler. */
  readonly agent: Agent;
  /** The proxy URL with any password replaced by `***`, safe for messages. */
  readonly shown: string;
}

const agents = new Map<string, Agent>();

/** The proxy route for `url` (http: or https:), or undefined when it goes direct. */
export function proxyFor(url: string): ProxyRoute | undefined {
  const proxy = getProxyForUrl(url);
  if (!proxy || inNoProxyRange(url)) return undefined;
  const secure = new URL(url).protocol === 'https:';
  const key = `${secure ? 'tunnel' : 'forward'} ${proxy}`;
  let agent = agents.get(key);
  if (!agent) {
    // https targets: a CONNECT tunnel, TLS end to end; http targets: absolute-form requests.
    agent = secure ? new HttpsProxyAgent(proxy) : new HttpProxyAgent(proxy);
    agents.set(key, agent);
  }
  return { agent, shown: redactProxyUrl(proxy) };
}

/** `http://user:secret@proxy:3128` → `http://user:***@proxy:3128`; anything unparsable as `<proxy>`. */
export function redactProxyUrl(proxy: string): string {
  try {
    const parsed = new URL(proxy);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<proxy URL not parsable>';
  }
}

/**
 * One agent for clients that choose no agent per request (the AWS SDK's NodeHttpHandler, whose
 * endpoint the SDK itself resolves from AWS_ENDPOINT_URL_STS, the config file or the region):
 * each connection goes through `proxyFor` its own host and port, or direct.
 */
export function environmentProxyAgent(): Agent {
  return new EnvironmentProxyAgent();
}

class EnvironmentProxyAgent extends AgentBase {
  connect(_req: ClientRequest, options: AgentConnectOpts): Agent {
    const scheme = options.secureEndpoint ? 'https' : 'http';
    const host = options.host?.includes(':') ? `[${options.host}]` : options.host;
    const route = proxyFor(`${scheme}://${host}:${options.port}`);
    return route?.agent ?? (options.secureEndpoint ? httpsGlobalAgent : httpGlobalAgent);
  }
}

/** NO_PROXY's CIDR entries as a BlockList, kept while NO_PROXY stays the same. */
let ranges: { readonly noProxy: string; readonly list: BlockList | undefined } | undefined;

/**
 * The CIDR entries of a NO_PROXY value (`<IPv4 or IPv6 address>/<prefix length>`, brackets around
 * an IPv6 address allowed), as a node:net BlockList; undefined when it holds none. Other entries
 * (names, addresses, `*`) are proxy-from-env's; malformed ranges are ignored like unknown entries.
 */
export function noProxyRanges(noProxy: string): BlockList | undefined {
  let list: BlockList | undefined;
  for (const entry of noProxy.split(/[,\s]+/)) {
    const match = /^\[?([0-9a-f.:]+)\]?\/(\d{1,3})$/i.exec(entry.trim());
    if (!match) continue;
    const family = isIP(match[1]!);
    const prefix = Number(match[2]);
    if (family === 0 || prefix > (family === 4 ? 32 : 128)) continue;
    list ??= new BlockList();
    list.addSubnet(match[1]!, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

/** Whether `url`'s host is an IP address inside a CIDR entry of NO_PROXY (lower-case name first, as proxy-from-env). */
function inNoProxyRange(url: string): boolean {
  const noProxy = process.env.no_proxy || process.env.NO_PROXY || '';
  if (!noProxy.includes('/')) return false;
  if (ranges?.noProxy !== noProxy) ranges = { noProxy, list: noProxyRanges(noProxy) };
  if (!ranges.list) return false;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const family = isIP(host);
  return family !== 0 && ranges.list.check(host, family === 4 ? 'ipv4' : 'ipv6');
}
