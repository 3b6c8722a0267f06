//! Reading a registry's JSON field by field, each value with its path
//! (`resultsSection.outcomeMeasuresModule.outcomeMeasures[2].title`), so
//! that a value of the wrong type (a number where text belongs, an object
//! where a list does) is left out with a sentence naming where it was,
//! instead of being silently dropped or stopping the import.

use serde_json::Value;

/// A JSON value and the path it was reached by.
#[derive(Clone)]
pub(super) struct Node<'v> {
    /// The value.
    pub v: &'v Value,
    /// Its dotted path from the study (`statusModule.overallStatus`).
    pub path: String,
}

/// What JSON calls the type of `v`, for messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl<'v> Node<'v> {
    /// The root of a study.
    pub(super) fn root(v: &'v Value, path: &str) -> Node<'v> {
        Node {
            v,
            path: path.to_string(),
        }
    }

    fn child(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The value at `key`, if present and not null (of any type).
    pub(super) fn any(&self, key: &str) -> Option<Node<'v>> {
        match self.v.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(Node {
                v,
                path: self.child(key),
            }),
        }
    }

    /// The sentence for a value of the wrong type.
    fn wrong(&self, expected: &str, skipped: &mut Vec<String>) {
        skipped.push(format!(
            "`{}`: {} where {expected} belongs",
            self.path,
            kind(self.v)
        ));
    }

    /// The object at `key`; another type is left out with a sentence.
    pub(super) fn obj(&self, key: &str, skipped: &mut Vec<String>) -> Option<Node<'v>> {
        let n = self.any(key)?;
        if n.v.is_object() {
            Some(n)
        } else {
            n.wrong("an object", skipped);
            None
        }
    }

    /// The items of the list at `key` (none when missing); another type is
    /// left out with a sentence.
    pub(super) fn list(&self, key: &str, skipped: &mut Vec<String>) -> Vec<Node<'v>> {
        let Some(n) = self.any(key) else {
            return Vec::new();
        };
        match n.v.as_array() {
            Some(items) => (items.iter().enumerate())
                .map(|(i, v)| Node {
                    v,
                    path: format!("{}[{i}]", n.path),
                })
                .collect(),
            None => {
                n.wrong("a list", skipped);
                Vec::new()
            }
        }
    }

    /// The non-empty text at `key`, cleaned ([`clean`]); another type is
    /// left out with a sentence.
    pub(super) fn text(&self, key: &str, skipped: &mut Vec<String>) -> Option<String> {
        let n = self.any(key)?;
        match n.v.as_str() {
            Some(s) => Some(clean(s)).filter(|s| !s.is_empty()),
            None => {
                n.wrong("text", skipped);
                None
            }
        }
    }

    /// The text of each item of the list of text at `key`.
    pub(super) fn texts(&self, key: &str, skipped: &mut Vec<String>) -> Vec<String> {
        let items = self.list(key, skipped);
        items
            .iter()
            .filter_map(|n| match n.v.as_str() {
                Some(s) => Some(clean(s)).filter(|s| !s.is_empty()),
                None => {
                    n.wrong("text", skipped);
                    None
                }
            })
            .collect()
    }

    /// The text at a path of keys, each an object on the way.
    pub(super) fn text_at(&self, keys: &[&str], skipped: &mut Vec<String>) -> Option<String> {
        let (last, objects) = keys.split_last()?;
        let mut n = self.clone();
        for k in objects {
            n = n.obj(k, skipped)?;
        }
        n.text(last, skipped)
    }

    /// The number at `key`: a JSON number, or text holding one (the
    /// registry writes most of its numbers as text, `"26"`). `NA` and other
    /// text are left out with a sentence.
    pub(super) fn number(&self, key: &str, skipped: &mut Vec<String>) -> Option<f64> {
        self.any(key)?.number_here(skipped)
    }

    /// The whole, non-negative number at `key` (as [`Node::number`]).
    pub(super) fn count(&self, key: &str, skipped: &mut Vec<String>) -> Option<i64> {
        let n = self.any(key)?;
        let x = n.number_here(skipped)?;
        if x >= 0.0 && x.fract() == 0.0 && x < 1e15 {
            Some(x as i64)
        } else {
            n.wrong("a count of participants", skipped);
            None
        }
    }

    fn number_here(&self, skipped: &mut Vec<String>) -> Option<f64> {
        let x = match self.v {
            Value::Number(x) => x.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        let x = x.filter(|x| x.is_finite());
        if x.is_none() {
            self.wrong("a number", skipped);
        }
        x
    }
}

/// Registry text made safe to keep: control characters (NUL, escape,
/// ...) dropped, line ends made `\n`, surrounding space trimmed. What is
/// left is kept exactly; the page's YAML writer quotes it as needed.
pub(super) fn clean(s: &str) -> String {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_types_are_named_by_path() {
        let v: Value = serde_json::from_str(
            r#"{"a": {"b": 3, "c": {"x": 1}, "d": "NA", "e": ["x", 2], "f": "12", "g": -1}}"#,
        )
        .unwrap();
        let root = Node::root(&v, "");
        let mut sk = Vec::new();
        let a = root.obj("a", &mut sk).unwrap();
        assert_eq!(a.text("b", &mut sk), None);
        assert!(a.list("c", &mut sk).is_empty());
        assert_eq!(a.number("d", &mut sk), None);
        assert_eq!(a.texts("e", &mut sk), ["x"]);
        assert_eq!(a.count("f", &mut sk), Some(12));
        assert_eq!(a.count("g", &mut sk), None);
        assert_eq!(a.text("missing", &mut sk), None);
        assert_eq!(
            sk,
            [
                "`a.b`: a number where text belongs",
                "`a.c`: an object where a list belongs",
                "`a.d`: text where a number belongs",
                "`a.e[1]`: a number where text belongs",
                "`a.g`: a number where a count of participants belongs",
            ]
        );
    }

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(clean(" a\u{0}b\u{1b}[1mc\r\nd\te "), "ab[1mc\nd\te");
    }
}
