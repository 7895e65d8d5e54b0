//! The simulator's listener: a loopback `TcpListener` whose connections replace raw control
//! bytes on input before hyper parses them.
//!
//! hyper refuses a request whose head carries a control byte (say `\x01` inside
//! `OpenStack-API-Version`) with an empty `400` it writes itself, before any handler or
//! middleware runs — no Magnum error body can be given. magnum-api (eventlet's lenient parser)
//! accepts such a header and answers with its JSON error. So every byte that may never appear
//! raw in an HTTP head nor in a JSON body (C0 controls other than TAB, CR and LF, and DEL) is
//! replaced, one byte for one, by `0x80`: hyper accepts it as `obs-text`, the header then is
//! not valid text, and the request gets Magnum's own answer for a malformed header (its JSON
//! 406 for `OpenStack-API-Version`, keystonemiddleware's 401 for a token). Lengths never change,
//! so `Content-Length` and chunked framing are untouched; a JSON body carrying such a byte was
//! invalid JSON before and still is.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// The byte that stands in for a raw control byte.
const REPLACEMENT: u8 = 0x80;

/// Whether `byte` may never appear raw in an HTTP/1 head or a JSON text.
fn is_forbidden_control(byte: u8) -> bool {
    (byte < 0x20 && !matches!(byte, b'\t' | b'\r' | b'\n')) || byte == 0x7f
}

/// Replaces forbidden control bytes in place.
fn sanitize(bytes: &mut [u8]) {
    for byte in bytes {
        if is_forbidden_control(*byte) {
            *byte = REPLACEMENT;
        }
    }
}

/// A connection whose input is sanitized (see the module header).
#[derive(Debug)]
pub(crate) struct SanitizedStream(TcpStream);

impl AsyncRead for SanitizedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.0).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &polled {
            sanitize(&mut buf.filled_mut()[before..]);
        }
        polled
    }
}

impl AsyncWrite for SanitizedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

/// The listener `axum::serve` runs on.
#[derive(Debug)]
pub(crate) struct SanitizingListener(pub TcpListener);

impl axum::serve::Listener for SanitizingListener {
    type Io = SanitizedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (SanitizedStream(stream), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bytes_never_valid_raw_are_replaced() {
        let mut bytes: Vec<u8> = (0u8..=255).collect();
        sanitize(&mut bytes);
        for (original, now) in (0u8..=255).zip(&bytes) {
            let replaced = original < 0x20 && ![9, 10, 13].contains(&original) || original == 127;
            assert_eq!(
                *now == REPLACEMENT && original != REPLACEMENT,
                replaced,
                "{original}"
            );
        }
        assert_eq!(bytes.len(), 256, "lengths never change");
    }
}
