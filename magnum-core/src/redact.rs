//! Keeping credentials out of displayed URLs: a URL's user-info (`user:password@`) is replaced
//! by `***` wherever a URL is shown, logged or put into an error — including text that does
//! not even parse as a URL (that is exactly when it gets echoed back in an error message).

use url::Url;

/// `text` with any user-info replaced by `***` (`http://***@host/v3`). Works on text that is
/// not a valid URL too: everything between the scheme separator (or the start) and the last
/// `@` before the first `/`, `?` or `#` is hidden.
pub fn redact_url(text: &str) -> String {
    // `demo:pw@host/v3` parses as a URL of scheme `demo`: only a URL with an authority is
    // judged by the parser.
    if let Ok(mut url) = Url::parse(text)
        .map_err(|_| ())
        .and_then(|u| if u.cannot_be_a_base() { Err(()) } else { Ok(u) })
    {
        if url.username().is_empty() && url.password().is_none() {
            return text.to_owned();
        }
        if url.set_username("").is_ok() && url.set_password(None).is_ok() {
            // Put a visible marker where the credentials were.
            return url.as_str().replacen("://", "://***@", 1);
        }
    }
    let start = text.find("://").map_or(0, |i| i + 3);
    let rest = &text[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &text[..start], &rest[at..]),
        None => text.to_owned(),
    }
}

/// Whether `url` carries user-info.
pub fn has_user_info(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}

/// `url` without its user-info.
pub fn strip_user_info(url: &mut Url) {
    let _ = url.set_username("");
    let _ = url.set_password(None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_is_hidden_in_valid_and_broken_urls() {
        for (text, shown) in [
            (
                "http://demo:s3cret@host/identity/v3",
                "http://***@host/identity/v3",
            ),
            ("https://s3cret@host:5000/v3", "https://***@host:5000/v3"),
            ("http://host/v3", "http://host/v3"),
            ("http://demo:s3cret@ho st/v3", "http://***@ho st/v3"),
            ("demo:s3cret@host/v3", "***@host/v3"),
            ("http://a:b@c@host/x@y", "http://***@host/x@y"),
            ("not a url", "not a url"),
            ("", ""),
        ] {
            let redacted = redact_url(text);
            assert_eq!(redacted, shown, "{text}");
            assert!(!redacted.contains("s3cret"));
        }
    }

    #[test]
    fn stripping_leaves_the_rest() {
        let mut url = Url::parse("http://demo:pw@host:5000/v3?x=1").unwrap();
        assert!(has_user_info(&url));
        strip_user_info(&mut url);
        assert_eq!(url.as_str(), "http://host:5000/v3?x=1");
        assert!(!has_user_info(&url));
    }
}
