//! Web origins (`https://h5.example.cn`, `http://127.0.0.1:8080`): where sign-ins may send a browser back to.

/// The origin of an absolute `http(s)` URL, serialised (`scheme://host[:port]`, the default port left out);
/// `None` for anything else (no host, another scheme, credentials in the URL).
pub fn origin_of(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return None;
    }
    if !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    Some(url.origin().ascii_serialization())
}

/// An origin as configured: an `http(s)` URL with nothing after the host and port but an optional `/`.
pub fn parse_origin(text: &str) -> Option<String> {
    let text = text.trim();
    let url = reqwest::Url::parse(text).ok()?;
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    if bare && text.len() <= 200 { origin_of(text) } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(origin_of("https://h5.example.cn/cb?x=1").as_deref(), Some("https://h5.example.cn"));
        assert_eq!(origin_of("https://H5.Example.cn:443/").as_deref(), Some("https://h5.example.cn"));
        assert_eq!(origin_of("http://127.0.0.1:8080/h5/t/").as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(origin_of("https://h5.example.cn@evil.cn/").as_deref(), None);
        assert_eq!(origin_of("javascript:alert(1)"), None);
        assert_eq!(origin_of("/relative"), None);
        assert_eq!(parse_origin("https://h5.example.cn/").as_deref(), Some("https://h5.example.cn"));
        assert_eq!(parse_origin("https://h5.example.cn/path"), None);
        assert_eq!(parse_origin("ftp://h5.example.cn"), None);
    }
}
