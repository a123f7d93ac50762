//! A fast decoder for the aggTrade stream message, the hottest message Keel reads.
//!
//! The scanner reads the flat aggTrade object key by key (any key order), parses prices and
//! quantities exactly (digits -> mantissa + scale -> `Decimal`) and gives up on anything it does
//! not fully understand (escapes, nested values, odd numbers, whitespace in odd places, missing or
//! duplicate fields). Giving up falls back to serde, so the result is always what serde would
//! produce; `tests` prove it on generated and malformed input.

use crate::common::num::parse_decimal;
use keel_domain::{Side, Trade};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::borrow::Cow;

/// One decoded aggTrade: the Binance symbol and the trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggTradeMsg<'a> {
    pub symbol: Cow<'a, str>,
    pub trade: Trade,
}

/// Why a message is not an aggTrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

/// Decodes an aggTrade message: Binance's own layout first, then the general scanner (any key
/// order), then serde when both give up.
pub fn decode_agg_trade(text: &str) -> Result<AggTradeMsg<'_>, DecodeError> {
    if let Some(m) = scan_binance_layout(text) {
        return Ok(m);
    }
    match scan_agg_trade(text) {
        Some(m) => Ok(m),
        None => decode_agg_trade_serde(text),
    }
}

/// A cursor over the bytes of one message in Binance's exact field order.
struct Fixed<'a> {
    b: &'a [u8],
    i: usize,
}

impl Fixed<'_> {
    /// The next bytes are exactly `lit`.
    #[inline(always)]
    fn lit(&mut self, lit: &[u8]) -> Option<()> {
        let end = self.i + lit.len();
        if self.b.get(self.i..end)? == lit {
            self.i = end;
            Some(())
        } else {
            None
        }
    }

    /// Digits up to the next non-digit, as a `u64` (no sign, no leading zero, at least one).
    #[inline(always)]
    fn uint(&mut self) -> Option<u64> {
        let start = self.i;
        let mut v: u64 = 0;
        while let Some(&c) = self.b.get(self.i) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            v = v.checked_mul(10)?.checked_add(u64::from(d))?;
            self.i += 1;
        }
        let len = self.i - start;
        if len == 0 || (len > 1 && self.b[start] == b'0') {
            return None;
        }
        Some(v)
    }

    /// `digits[.digits]` up to the closing quote, as an exact `Decimal` (trailing zeros kept,
    /// as `Decimal::from_str` keeps them); the quote is consumed.
    #[inline(always)]
    fn decimal(&mut self) -> Option<Decimal> {
        let start = self.i;
        let mut mantissa: u64 = 0;
        let mut significant = 0u32;
        let mut dot: Option<usize> = None;
        loop {
            let c = *self.b.get(self.i)?;
            let d = c.wrapping_sub(b'0');
            if d <= 9 {
                if mantissa != 0 || d != 0 {
                    significant += 1;
                    if significant > 19 {
                        return None;
                    }
                }
                mantissa = mantissa * 10 + u64::from(d);
            } else if c == b'.' && dot.is_none() {
                dot = Some(self.i);
            } else if c == b'"' {
                break;
            } else {
                return None;
            }
            self.i += 1;
        }
        let end = self.i;
        self.i += 1;
        // Both ends must be digits ("5.", ".5" and "" go to the other parsers).
        if end == start || !self.b[start].is_ascii_digit() || !self.b[end - 1].is_ascii_digit() {
            return None;
        }
        let scale = dot.map_or(0, |d| (end - d - 1) as u32);
        if scale > 28 {
            return None;
        }
        Some(Decimal::from_parts(
            mantissa as u32,
            (mantissa >> 32) as u32,
            0,
            false,
            scale,
        ))
    }

    #[inline(always)]
    fn boolean(&mut self) -> Option<bool> {
        if self.lit(b"true").is_some() {
            Some(true)
        } else {
            self.lit(b"false").map(|_| false)
        }
    }
}

/// The message exactly as Binance lays it out (`e, E, s, a, p, q, f, l, T, m, M`, no spaces):
/// one pass, no key lookups. `None` on the first byte that differs (the other parsers decide).
pub fn scan_binance_layout(text: &str) -> Option<AggTradeMsg<'_>> {
    let b = text.as_bytes();
    let mut f = Fixed { b, i: 0 };
    f.lit(br#"{"e":"aggTrade","E":"#)?;
    f.uint()?;
    f.lit(br#","s":""#)?;
    let sym_start = f.i;
    let sym_len = b.get(sym_start..)?.iter().position(|&c| c == b'"')?;
    let symbol = &b[sym_start..sym_start + sym_len];
    if symbol.iter().any(|&c| c == b'\\' || c < 0x20) {
        return None;
    }
    f.i = sym_start + sym_len;
    f.lit(br#"","a":"#)?;
    let id = f.uint()?;
    f.lit(br#","p":""#)?;
    let price = f.decimal()?;
    f.lit(br#","q":""#)?;
    let qty = f.decimal()?;
    f.lit(br#","f":"#)?;
    f.uint()?;
    f.lit(br#","l":"#)?;
    f.uint()?;
    f.lit(br#","T":"#)?;
    let ts = i64::try_from(f.uint()?).ok()?;
    f.lit(br#","m":"#)?;
    let maker = f.boolean()?;
    f.lit(br#","M":"#)?;
    f.boolean()?;
    f.lit(b"}")?;
    if f.i != b.len() {
        return None;
    }
    Some(AggTradeMsg {
        symbol: Cow::Borrowed(text.get(sym_start..sym_start + sym_len)?),
        trade: Trade {
            id,
            ts_ms: ts,
            price,
            qty,
            taker_side: if maker { Side::Sell } else { Side::Buy },
        },
    })
}

#[derive(Deserialize)]
struct AggTradeWire<'a> {
    #[serde(borrow)]
    e: Cow<'a, str>,
    #[serde(borrow)]
    s: Cow<'a, str>,
    a: u64,
    #[serde(borrow)]
    p: Cow<'a, str>,
    #[serde(borrow)]
    q: Cow<'a, str>,
    #[serde(rename = "T")]
    t: i64,
    m: bool,
}

/// The reference path: serde into a borrowed struct, then `Decimal` from the strings.
pub fn decode_agg_trade_serde(text: &str) -> Result<AggTradeMsg<'_>, DecodeError> {
    let w: AggTradeWire<'_> =
        serde_json::from_str(text).map_err(|e| DecodeError(format!("aggTrade: {e}")))?;
    if w.e != "aggTrade" {
        return Err(DecodeError(format!("not an aggTrade event: {}", w.e)));
    }
    let price = parse_decimal(&w.p).ok_or_else(|| DecodeError(format!("bad price {:?}", w.p)))?;
    let qty = parse_decimal(&w.q).ok_or_else(|| DecodeError(format!("bad qty {:?}", w.q)))?;
    Ok(AggTradeMsg {
        symbol: w.s,
        trade: Trade {
            id: w.a,
            ts_ms: w.t,
            price,
            qty,
            taker_side: if w.m { Side::Sell } else { Side::Buy },
        },
    })
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        if self.peek()? == c {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    /// A string without escapes or control characters; returns its byte range.
    #[inline]
    fn string(&mut self) -> Option<(usize, usize)> {
        self.eat(b'"')?;
        let start = self.i;
        while let Some(&c) = self.b.get(self.i) {
            if c == b'"' {
                let end = self.i;
                self.i += 1;
                return Some((start, end));
            }
            if c == b'\\' || c < 0x20 {
                return None;
            }
            self.i += 1;
        }
        None
    }

    /// A JSON number, validated against the JSON grammar; returns its byte range.
    #[inline]
    fn number(&mut self) -> Option<(usize, usize)> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.i += 1;
                }
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            let d = self.i;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
            if self.i == d {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            let d = self.i;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
            if self.i == d {
                return None;
            }
        }
        Some((start, self.i))
    }

    #[inline]
    fn literal(&mut self, lit: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + lit.len())? == lit {
            self.i += lit.len();
            Some(())
        } else {
            None
        }
    }

    #[inline]
    fn boolean(&mut self) -> Option<bool> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|_| true),
            b'f' => self.literal(b"false").map(|_| false),
            _ => None,
        }
    }

    /// Skips a scalar value of a key Keel does not read.
    #[inline]
    fn skip_scalar(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b't' | b'f' => self.boolean().map(|_| ()),
            b'n' => self.literal(b"null"),
            _ => self.number().map(|_| ()),
        }
    }
}

/// Digits only (no sign, no exponent, no leading zeros): a `u64`.
#[inline]
fn plain_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || (b.len() > 1 && b[0] == b'0') {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

/// An exact decimal from `digits[.digits]`: mantissa and scale, as `Decimal::from_str` keeps
/// them (trailing zeros included). `None` for anything else (the caller falls back).
#[inline]
pub(crate) fn fast_decimal(b: &[u8]) -> Option<Decimal> {
    let mut mantissa: u64 = 0;
    let mut scale: u32 = 0;
    let mut digits = 0u32;
    let mut seen_dot = false;
    for &c in b {
        match c {
            b'0'..=b'9' => {
                // 19 digits always fit in a u64.
                if digits >= 19 {
                    return None;
                }
                if mantissa != 0 || c != b'0' {
                    digits += 1;
                }
                mantissa = mantissa * 10 + u64::from(c - b'0');
                if seen_dot {
                    scale += 1;
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    // "", ".", "5.", ".5" and over-long scales go to the reference parser.
    let first = *b.first()?;
    let last = *b.last()?;
    if !first.is_ascii_digit() || !last.is_ascii_digit() || scale > 28 {
        return None;
    }
    Some(Decimal::from_parts(
        mantissa as u32,
        (mantissa >> 32) as u32,
        0,
        false,
        scale,
    ))
}

const F_E: u8 = 1;
const F_S: u8 = 2;
const F_A: u8 = 4;
const F_P: u8 = 8;
const F_Q: u8 = 16;
const F_T: u8 = 32;
const F_M: u8 = 64;
const ALL: u8 = F_E | F_S | F_A | F_P | F_Q | F_T | F_M;

/// The fast scanner; `None` = not understood (use serde).
pub fn scan_agg_trade(text: &str) -> Option<AggTradeMsg<'_>> {
    let b = text.as_bytes();
    let mut s = Scanner { b, i: 0 };
    s.eat(b'{')?;
    let mut seen = 0u8;
    let (mut sym, mut id, mut price, mut qty, mut ts, mut maker) =
        ((0, 0), 0u64, Decimal::ZERO, Decimal::ZERO, 0i64, false);
    loop {
        let (ks, ke) = s.string()?;
        s.eat(b':')?;
        let key = &b[ks..ke];
        let bit = match key {
            b"e" => {
                let (vs, ve) = s.string()?;
                if &b[vs..ve] != b"aggTrade" {
                    return None;
                }
                F_E
            }
            b"s" => {
                sym = s.string()?;
                F_S
            }
            b"a" => {
                let (vs, ve) = s.number()?;
                id = plain_u64(&b[vs..ve])?;
                F_A
            }
            b"p" => {
                let (vs, ve) = s.string()?;
                price = fast_decimal(&b[vs..ve])?;
                F_P
            }
            b"q" => {
                let (vs, ve) = s.string()?;
                qty = fast_decimal(&b[vs..ve])?;
                F_Q
            }
            b"T" => {
                let (vs, ve) = s.number()?;
                ts = i64::try_from(plain_u64(&b[vs..ve])?).ok()?;
                F_T
            }
            b"m" => {
                maker = s.boolean()?;
                F_M
            }
            _ => {
                s.skip_scalar()?;
                0
            }
        };
        if seen & bit != 0 {
            return None; // duplicate field: serde refuses it
        }
        seen |= bit;
        match s.peek()? {
            b',' => s.i += 1,
            b'}' => {
                s.i += 1;
                break;
            }
            _ => return None,
        }
    }
    if seen != ALL {
        return None;
    }
    // Only whitespace may follow the object.
    if !b[s.i..]
        .iter()
        .all(|c| matches!(c, b' ' | b'\n' | b'\r' | b'\t'))
    {
        return None;
    }
    Some(AggTradeMsg {
        symbol: Cow::Borrowed(text.get(sym.0..sym.1)?),
        trade: Trade {
            id,
            ts_ms: ts,
            price,
            qty,
            taker_side: if maker { Side::Sell } else { Side::Buy },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_message_decodes_exactly() {
        let m = r#"{"e":"aggTrade","E":1672515782136,"s":"BNBBTC","a":12345,"p":"0.00100000","q":"100","f":100,"l":105,"T":1672515782136,"m":true,"M":true}"#;
        let fast = scan_agg_trade(m).expect("fast path");
        assert_eq!(fast, decode_agg_trade_serde(m).expect("serde"));
        assert_eq!(fast.trade.price.to_string(), "0.00100000");
        assert_eq!(fast.trade.taker_side, Side::Sell);
        assert_eq!(fast.symbol, "BNBBTC");
    }

    #[test]
    fn binance_layout_agrees_with_serde_and_refuses_anything_else() {
        let m = r#"{"e":"aggTrade","E":1672515782136,"s":"BNBBTC","a":12345,"p":"0.00100000","q":"100","f":100,"l":105,"T":1672515782136,"m":true,"M":true}"#;
        let fixed = scan_binance_layout(m).expect("Binance's layout");
        assert_eq!(fixed, decode_agg_trade_serde(m).expect("serde"));
        assert_eq!(fixed.trade.price.to_string(), "0.00100000");
        for odd in [
            m.replace(r#""p":"0.00100000""#, r#""p":"1e3""#),
            m.replace(r#""a":12345"#, r#""a":012345"#),
            m.replace(r#""p":"0.00100000""#, r#""p":".001""#),
            m.replace(r#""p":"0.00100000""#, r#""p":"5.""#),
            m.replace(r#""s":"BNBBTC""#, r#""s":"BNB\u0041""#),
            m.replace(r#","M":true}"#, r#","M":true} "#),
            m.replace(r#""E":1672515782136,"#, ""),
            m.replace(r#""m":true"#, r#""m":1"#),
            m.replace(r#""q":"100""#, r#""q":"12345678901234567890""#),
        ] {
            assert!(scan_binance_layout(&odd).is_none(), "{odd}");
            // Whatever the fallbacks make of it is what serde makes of it.
            assert_eq!(
                decode_agg_trade(&odd).ok(),
                decode_agg_trade_serde(&odd).ok(),
                "{odd}"
            );
        }
    }

    #[test]
    fn odd_input_is_left_to_serde() {
        for m in [
            r#"{"e":"aggTrade","s":"X","a":1,"p":"1e3","q":"1","T":1,"m":true}"#,
            r#"{"e":"aggTrade","s":"X","a":01,"p":"1","q":"1","T":1,"m":true}"#,
            r#"{"e":"aggTrade","s":"X","a":1,"a":2,"p":"1","q":"1","T":1,"m":true}"#,
            r#"{"e":"aggTrade","s":"X\u0041","a":1,"p":"1","q":"1","T":1,"m":true}"#,
            r#"{"e":"trade","s":"X","a":1,"p":"1","q":"1","T":1,"m":true}"#,
            r#"{"e":"aggTrade","s":"X","a":1,"p":"1","q":"1","T":1,"m":true} x"#,
        ] {
            assert!(scan_agg_trade(m).is_none(), "{m}");
        }
        assert_eq!(
            decode_agg_trade(r#"{"e":"aggTrade","s":"X","a":1,"p":"1e3","q":"1","T":1,"m":true}"#)
                .expect("serde path")
                .trade
                .price,
            Decimal::from(1000)
        );
    }
}
