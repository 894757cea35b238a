//! EC2 answers as a small element tree, read by name and never by position: AWS says the order
//! of elements "might vary". Namespaces are dropped; text is unescaped.

use quick_xml::events::Event;
use quick_xml::Reader;

#[derive(Debug, Default, Clone)]
pub(crate) struct Node {
    pub name: String,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The `<item>`s of the child list named `set` (`<instancesSet><item>..`).
    pub fn items<'a>(&'a self, set: &str) -> impl Iterator<Item = &'a Node> + 'a {
        self.child(set)
            .into_iter()
            .flat_map(|s| s.children.iter().filter(|c| c.name == "item"))
    }

    /// The text of the element at `path` below this one, when it is not empty.
    pub fn text_at(&self, path: &[&str]) -> Option<&str> {
        let mut node = self;
        for p in path {
            node = node.child(p)?;
        }
        Some(node.text.as_str()).filter(|t| !t.is_empty())
    }
}

/// The whole document; `Err` names what is wrong with it.
pub(crate) fn parse(body: &[u8]) -> Result<Node, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the response is not UTF-8".to_string())?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => stack.push(Node {
                name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                ..Default::default()
            }),
            Ok(Event::Empty(e)) => {
                let node = Node {
                    name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                    ..Default::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Ok(Event::Text(t)) => {
                let v = t.unescape().map_err(|e| format!("bad XML text: {e}"))?;
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&v);
                }
            }
            Ok(Event::End(_)) => {
                let done = stack.pop().ok_or("the XML closes more than it opens")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(format!("not well-formed XML: {e}")),
        }
    }
    if !stack.is_empty() {
        return Err("the XML ends early".into());
    }
    root.ok_or_else(|| "the response is empty or not XML".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_found_by_name_in_any_order() {
        let doc = parse(
            br#"<?xml version="1.0" encoding="UTF-8"?>
            <R xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><set><item><b>2</b><a>1 &amp; 1</a></item><item><a/></item></set><groupSet/></R>"#,
        )
        .unwrap();
        assert_eq!(doc.name, "R");
        let items: Vec<_> = doc.items("set").collect();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].text_at(&["a"]), Some("1 & 1"));
        assert_eq!(items[1].text_at(&["a"]), None);
        assert_eq!(doc.items("groupSet").count(), 0);
        assert!(parse(b"<R><x></R>").is_err());
        assert!(parse(b"").is_err());
    }
}
