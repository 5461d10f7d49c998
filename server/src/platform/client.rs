//! Who the client is, by address. The peer address of the TCP connection is the client, unless
//! that peer is one of `http.trusted_proxies`: then, and only then, its `Forwarded` (RFC 7239) or
//! else `X-Forwarded-For` header is read, right to left, and the client is the rightmost hop that
//! is not itself a trusted proxy.
//!
//! Invariants:
//! - A header from an untrusted peer is never read, so nobody picks their own address.
//! - Hops to the left of the first untrusted one are ignored: they were written by the client.
//! - A hop that does not parse (`unknown`, an obfuscated name) ends the walk at the proxy that
//!   wrote it, so garbage keys the request by that proxy, never by a value the client chose.
//!
//! The [`resolve`] middleware runs first and stores a [`ClientAddr`] in the request; the rate
//! limiter, the lockouts and the audit log read that.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// The client's address, as resolved by [`resolve`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// The proxies whose forwarding headers are believed (`http.trusted_proxies`).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses CIDRs or single addresses; the error names the entry that does not parse.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!(
                            "http.trusted_proxies: {entry:?} is not an address or a CIDR (like 10.0.0.0/8)"
                        )
                    })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that came from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops = forwarded_hops(headers);
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = hop else {
                return client;
            };
            client = canonical(*ip);
            if !self.trusts(client) {
                return client;
            }
        }
        client
    }
}

/// IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack socket reports) as plain IPv4, so one
/// client has one key.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The hops a proxy chain reported, leftmost (the original client) first; `None` for a hop that
/// names no address. `Forwarded` wins over `X-Forwarded-For` when both are present.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|line| line.split(','))
            .map(|element| {
                element
                    .split(';')
                    .find_map(|pair| {
                        let (name, value) = pair.trim().split_once('=')?;
                        name.eq_ignore_ascii_case("for").then_some(value)
                    })
                    .and_then(parse_node)
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(','))
        .map(parse_node)
        .collect()
}

/// One hop: `1.2.3.4`, `1.2.3.4:5678`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(addr) = node.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    let bracketed = node.strip_prefix('[')?;
    bracketed.split(']').next()?.parse().ok()
}

/// Stores the request's [`ClientAddr`] (outermost layer but for the request id).
pub async fn resolve(
    State(proxies): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(peer) = peer {
        let client = proxies.client(peer, request.headers());
        request.extensions_mut().insert(ClientAddr(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, value.parse().expect("header value"));
        }
        h
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
            .expect("valid list")
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let h = headers(&[("x-forwarded-for", "1.1.1.1"), ("forwarded", "for=2.2.2.2")]);
        assert_eq!(proxies(&[]).client(ip("9.9.9.9"), &h), ip("9.9.9.9"));
        assert_eq!(
            proxies(&["10.0.0.0/8"]).client(ip("9.9.9.9"), &h),
            ip("9.9.9.9")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        // The client forged "6.6.6.6" on the left; the proxy appended what it saw.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.0.0.2")]);
        let p = proxies(&["10.0.0.0/8", "127.0.0.1"]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("203.0.113.7"));
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for_and_its_forms_parse() {
        let h = headers(&[
            ("x-forwarded-for", "5.5.5.5"),
            (
                "forwarded",
                "for=192.0.2.60;proto=https, for=\"[2001:db8:cafe::17]:4711\"",
            ),
        ]);
        assert_eq!(
            proxies(&["127.0.0.1"]).client(ip("127.0.0.1"), &h),
            ip("2001:db8:cafe::17")
        );
    }

    #[test]
    fn a_hop_without_an_address_keys_the_request_by_the_proxy_that_wrote_it() {
        let h = headers(&[("x-forwarded-for", "7.7.7.7, unknown")]);
        assert_eq!(
            proxies(&["127.0.0.1"]).client(ip("127.0.0.1"), &h),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn a_mapped_ipv4_peer_is_plain_ipv4() {
        let h = headers(&[("x-forwarded-for", "8.8.4.4")]);
        assert_eq!(
            proxies(&["127.0.0.1"]).client(ip("::ffff:127.0.0.1"), &h),
            ip("8.8.4.4")
        );
    }

    #[test]
    fn a_bad_entry_is_named() {
        let err = TrustedProxies::parse(&["10.0.0.0/8".into(), "proxy.lan".into()])
            .expect_err("a name is refused");
        assert!(err.contains("\"proxy.lan\""), "{err}");
    }
}
