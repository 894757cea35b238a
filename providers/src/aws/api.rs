//! Wire shapes of the two AWS APIs used: the Price List Query API (`GetProducts`, JSON whose
//! `PriceList` entries are themselves JSON documents in strings) and EC2's
//! `DescribeSpotPriceHistory` (XML).

use std::collections::HashMap;

use quick_xml::events::Event;
use quick_xml::Reader;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct ProductsPage {
    #[serde(rename = "PriceList", default)]
    pub price_list: Vec<String>,
    #[serde(rename = "NextToken", default)]
    pub next_token: Option<String>,
}

/// One `PriceList` entry (format `aws_v1`), as far as it is read here.
#[derive(Debug, Deserialize)]
pub(crate) struct Product {
    pub product: ProductInfo,
    #[serde(default)]
    pub terms: Terms,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ProductInfo {
    pub attributes: Attributes,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Attributes {
    pub instance_type: String,
    #[serde(default)]
    pub region_code: Option<String>,
    #[serde(default)]
    pub vcpu: Option<String>,
    /// `"2048 GiB"`.
    #[serde(default)]
    pub memory: Option<String>,
    /// GPU count, `"8"`; fractional shares are written `"0.125"`.
    #[serde(default)]
    pub gpu: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Terms {
    #[serde(rename = "OnDemand", default)]
    pub on_demand: HashMap<String, Term>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Term {
    #[serde(default)]
    pub price_dimensions: HashMap<String, PriceDimension>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PriceDimension {
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub price_per_unit: HashMap<String, String>,
}

/// `{"__type": "...#ThrottlingException", "Message": "..."}` (also `message`).
#[derive(Debug, Deserialize)]
pub(crate) struct JsonError {
    #[serde(rename = "__type", default)]
    pub kind: String,
    #[serde(rename = "Message", alias = "message", default)]
    pub message: String,
}

#[derive(Debug, Default, PartialEq)]
pub(crate) struct SpotPrice {
    pub instance_type: String,
    pub zone: String,
    pub price: String,
    pub timestamp: String,
}

#[derive(Debug, Default, PartialEq)]
pub(crate) struct SpotPage {
    pub prices: Vec<SpotPrice>,
    pub next_token: Option<String>,
}

/// Read a `DescribeSpotPriceHistoryResponse`. The error, one line, names what was wrong.
pub(crate) fn parse_spot(body: &[u8]) -> Result<SpotPage, String> {
    read_spot(body).map_err(|e| one_line(&e))
}

/// XML errors quote the document, line breaks and all: fold them into one short line.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect()
}

fn read_spot(body: &[u8]) -> Result<SpotPage, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the response is not UTF-8".to_string())?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut page = SpotPage::default();
    let mut path: Vec<String> = Vec::new();
    let mut item: Option<SpotPrice> = None;
    let mut root_seen = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if path.is_empty() {
                    if name != "DescribeSpotPriceHistoryResponse" {
                        return Err(format!(
                            "expected a DescribeSpotPriceHistoryResponse, got <{name}>"
                        ));
                    }
                    root_seen = true;
                }
                if name == "item" && path.last().map(String::as_str) == Some("spotPriceHistorySet")
                {
                    item = Some(SpotPrice::default());
                }
                path.push(name);
            }
            Ok(Event::End(_)) => {
                if path.pop().as_deref() == Some("item") {
                    if let Some(done) = item.take() {
                        page.prices.push(done);
                    }
                }
            }
            Ok(Event::Text(t)) => {
                let value = t
                    .unescape()
                    .map_err(|e| format!("bad XML text: {e}"))?
                    .into_owned();
                let field = path.last().map(String::as_str).unwrap_or("");
                match (&mut item, field) {
                    (Some(i), "instanceType") => i.instance_type = value,
                    (Some(i), "availabilityZone") => i.zone = value,
                    (Some(i), "spotPrice") => i.price = value,
                    (Some(i), "timestamp") => i.timestamp = value,
                    (None, "nextToken") if path.len() == 2 => page.next_token = Some(value),
                    _ => {}
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(format!("not well-formed XML: {e}")),
        }
    }
    if !root_seen {
        return Err("the response is empty or not XML".into());
    }
    if !path.is_empty() {
        return Err("the XML ends early".into());
    }
    page.next_token = page.next_token.filter(|t| !t.is_empty());
    Ok(page)
}

/// The `<Code>` and `<Message>` of an EC2 error response
/// (`<Response><Errors><Error><Code>..</Code><Message>..</Message>`).
pub(crate) fn parse_ec2_error(body: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(body).ok()?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let (mut code, mut message) = (None, None);
    let mut current = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                current = String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
            }
            Ok(Event::Text(t)) => {
                let v = t.unescape().ok()?.into_owned();
                match current.as_str() {
                    "Code" if code.is_none() => code = Some(v),
                    "Message" if message.is_none() => message = Some(v),
                    _ => {}
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    Some((code?, message.unwrap_or_default()))
}
