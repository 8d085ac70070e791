// NO_PROXY's CIDR entries, which proxy-from-env does not understand: matched with node:net's
// BlockList against URLs whose host is an IP address; host names are never resolved for them.
import { noProxyRanges, proxyFor } from '../../client/credentials/proxy';

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];
let saved: Record<string, string | undefined>;
beforeEach(() => {
  saved = Object.fromEntries(PROXY_VARIABLES.map((k) => [k, process.env[k]]));
  for (const k of PROXY_VARIABLES) delete process.env[k];
  process.env.HTTPS_PROXY = 'http://proxy.internal:3128';
  process.env.HTTP_PROXY = 'http://proxy.internal:3128';
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const routed = (url: string) => proxyFor(url)?.shown ?? 'direct';

test.each([
  ['10.0.0.0/8', 'https://10.20.30.40/oauth/token', 'direct'],
  ['10.0.0.0/8', 'https://11.0.0.1/oauth/token', 'http://proxy.internal:3128'],
  ['127.0.0.0/8', 'http://127.0.0.1:4566/', 'direct'],
  ['192.168.4.0/22', 'https://192.168.7.255/', 'direct'],
  ['192.168.4.0/22', 'https://192.168.8.0/', 'http://proxy.internal:3128'],
  ['::1/128', 'http://[::1]:8080/', 'direct'],
  ['[fd00::]/8', 'https://[fd12:3456::1]/credentials', 'direct'],
  ['fd00::/8', 'https://[fe80::1]/credentials', 'http://proxy.internal:3128'],
  ['10.0.0.0/8', 'https://ten.internal/oauth/token', 'http://proxy.internal:3128'],
  ['10.0.0.0/8', 'https://[::ffff:11.0.0.1]/', 'http://proxy.internal:3128'],
])('NO_PROXY=%s: %s goes %s', (noProxy, url, expected) => {
  process.env.NO_PROXY = noProxy;
  expect(routed(url)).toBe(expected);
});

test('CIDR entries mix with the library’s host entries, lower-case no_proxy first', () => {
  process.env.NO_PROXY = '.corp.example, 172.16.0.0/12 ,sts.eu-west-1.amazonaws.com';
  expect(routed('https://idp.corp.example/oauth/token')).toBe('direct');
  expect(routed('https://172.31.255.1/')).toBe('direct');
  expect(routed('https://sts.eu-west-1.amazonaws.com/')).toBe('direct');
  expect(routed('https://tenant.eu.auth0.com/oauth/token')).toBe('http://proxy.internal:3128');
  process.env.no_proxy = '10.0.0.0/8';
  expect(routed('https://172.31.255.1/')).toBe('http://proxy.internal:3128');
  expect(routed('https://10.1.1.1/')).toBe('direct');
});

test('malformed ranges are ignored like unknown entries', () => {
  expect(noProxyRanges('10.0.0.0/33, ::1/129, example.com/8, 10.0.0.0/x')).toBeUndefined();
  const list = noProxyRanges('10.0.0.0/33, 10.0.0.0/8');
  expect(list?.check('10.9.9.9', 'ipv4')).toBe(true);
  process.env.NO_PROXY = '10.0.0.0/33';
  expect(routed('https://10.0.0.1/')).toBe('http://proxy.internal:3128');
});
