//! Tokens of the rule language. Positions are 1-based character offsets into the
//! expression, so an error can point at the offending character.

use super::RuleError;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// A column name: `[A-Za-z_][A-Za-z0-9_.]*`, or any text between backticks.
    Ident(String),
    Number(f64),
    Str(String),
    True,
    False,
    Null,
    And,
    Or,
    Not,
    Is,
    Compare(CompareOp),
    LParen,
    RParen,
}

impl TokenKind {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            Self::Ident(name) => format!("column `{name}`"),
            Self::Number(n) => format!("number `{n}`"),
            Self::Str(s) => format!("string \"{s}\""),
            Self::True => "`true`".to_owned(),
            Self::False => "`false`".to_owned(),
            Self::Null => "`null`".to_owned(),
            Self::And => "`and`".to_owned(),
            Self::Or => "`or`".to_owned(),
            Self::Not => "`not`".to_owned(),
            Self::Is => "`is`".to_owned(),
            Self::Compare(op) => format!("`{}`", op.symbol()),
            Self::LParen => "`(`".to_owned(),
            Self::RParen => "`)`".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    /// 1-based character offset of the token's first character.
    pub position: usize,
}

/// Splits `source` into tokens.
pub fn tokenize(source: &str) -> Result<Vec<Token>, RuleError> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let position = i + 1;
        let push = |tokens: &mut Vec<Token>, kind| tokens.push(Token { kind, position });
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                push(&mut tokens, TokenKind::LParen);
                i += 1;
            }
            ')' => {
                push(&mut tokens, TokenKind::RParen);
                i += 1;
            }
            '=' | '!' | '<' | '>' => {
                let next_is_eq = chars.get(i + 1) == Some(&'=');
                let op = match (c, next_is_eq) {
                    ('=', true) => CompareOp::Eq,
                    ('!', true) => CompareOp::Ne,
                    ('<', true) => CompareOp::Le,
                    ('>', true) => CompareOp::Ge,
                    ('<', false) => CompareOp::Lt,
                    ('>', false) => CompareOp::Gt,
                    _ => {
                        return Err(RuleError::UnexpectedChar {
                            position,
                            found: c,
                            hint: if c == '=' {
                                " (equality is `==`)"
                            } else {
                                " (negation is `not`, inequality `!=`)"
                            },
                        });
                    }
                };
                push(&mut tokens, TokenKind::Compare(op));
                i += if next_is_eq { 2 } else { 1 };
            }
            '"' | '\'' => {
                let (text, end) = string_literal(&chars, i, c)?;
                push(&mut tokens, TokenKind::Str(text));
                i = end;
            }
            '`' => {
                let close = chars[i + 1..].iter().position(|&d| d == '`').ok_or(
                    RuleError::Unterminated {
                        position,
                        what: "quoted column name",
                    },
                )?;
                let name: String = chars[i + 1..i + 1 + close].iter().collect();
                push(&mut tokens, TokenKind::Ident(name));
                i += close + 2;
            }
            c if c.is_ascii_digit()
                || (c == '-' || c == '.')
                    && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()) =>
            {
                let start = i;
                i += 1;
                while chars
                    .get(i)
                    .is_some_and(|d| d.is_ascii_digit() || matches!(d, '.' | 'e' | 'E' | '_'))
                    || (chars.get(i).is_some_and(|d| matches!(d, '+' | '-'))
                        && chars.get(i - 1).is_some_and(|d| matches!(d, 'e' | 'E')))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().filter(|&&d| d != '_').collect();
                let value = text.parse::<f64>().map_err(|_| RuleError::BadNumber {
                    position,
                    text: chars[start..i].iter().collect(),
                })?;
                push(&mut tokens, TokenKind::Number(value));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|d| d.is_alphanumeric() || matches!(d, '_' | '.'))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let kind = match word.to_ascii_lowercase().as_str() {
                    "and" => TokenKind::And,
                    "or" => TokenKind::Or,
                    "not" => TokenKind::Not,
                    "is" => TokenKind::Is,
                    "null" => TokenKind::Null,
                    "true" => TokenKind::True,
                    "false" => TokenKind::False,
                    _ => TokenKind::Ident(word),
                };
                push(&mut tokens, kind);
            }
            other => {
                return Err(RuleError::UnexpectedChar {
                    position,
                    found: other,
                    hint: "",
                });
            }
        }
    }
    Ok(tokens)
}

/// A string literal opened by `quote` at `start`; `\\`, `\"`, `\'`, `\n` and `\t`
/// are escapes. Returns the text and the index after the closing quote.
fn string_literal(chars: &[char], start: usize, quote: char) -> Result<(String, usize), RuleError> {
    let mut text = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => {
                return Err(RuleError::Unterminated {
                    position: start + 1,
                    what: "string",
                });
            }
            Some(&c) if c == quote => return Ok((text, i + 1)),
            Some('\\') => {
                let escaped = match chars.get(i + 1) {
                    Some('n') => '\n',
                    Some('t') => '\t',
                    Some(&c @ ('\\' | '"' | '\'')) => c,
                    Some(&c) => {
                        return Err(RuleError::UnexpectedChar {
                            position: i + 2,
                            found: c,
                            hint: " (escapes are \\\\, \\\", \\', \\n and \\t)",
                        });
                    }
                    None => {
                        return Err(RuleError::Unterminated {
                            position: start + 1,
                            what: "string",
                        });
                    }
                };
                text.push(escaped);
                i += 2;
            }
            Some(&c) => {
                text.push(c);
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<TokenKind> {
        tokenize(source)
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    #[test]
    fn tokens_of_a_typical_rule() {
        assert_eq!(
            kinds(r#"income >= 5e4 and (country != "FR" or not churned)"#),
            vec![
                TokenKind::Ident("income".into()),
                TokenKind::Compare(CompareOp::Ge),
                TokenKind::Number(50_000.0),
                TokenKind::And,
                TokenKind::LParen,
                TokenKind::Ident("country".into()),
                TokenKind::Compare(CompareOp::Ne),
                TokenKind::Str("FR".into()),
                TokenKind::Or,
                TokenKind::Not,
                TokenKind::Ident("churned".into()),
                TokenKind::RParen,
            ]
        );
    }

    #[test]
    fn negative_numbers_quoted_names_and_escapes() {
        assert_eq!(
            kinds(r#"`net income` > -1_000.5 AND name == 'O\'Neil'"#),
            vec![
                TokenKind::Ident("net income".into()),
                TokenKind::Compare(CompareOp::Gt),
                TokenKind::Number(-1000.5),
                TokenKind::And,
                TokenKind::Ident("name".into()),
                TokenKind::Compare(CompareOp::Eq),
                TokenKind::Str("O'Neil".into()),
            ]
        );
    }

    #[test]
    fn positions_are_one_based_characters() {
        let tokens = tokenize("é < 3").unwrap();
        assert_eq!(tokens[1].position, 3);
        assert_eq!(tokens[2].position, 5);
    }

    #[test]
    fn errors_point_at_the_character() {
        assert_eq!(
            tokenize("a = 1").unwrap_err().to_string(),
            "position 3: unexpected character `=` (equality is `==`)"
        );
        assert_eq!(
            tokenize("a == \"open").unwrap_err().to_string(),
            "position 6: unterminated string"
        );
        assert_eq!(
            tokenize("a > 1.2.3").unwrap_err().to_string(),
            "position 5: `1.2.3` is not a number"
        );
    }
}
