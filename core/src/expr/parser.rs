//! Recursive-descent parser: tokens to an untyped syntax tree.
//!
//! ```text
//! expr       := or
//! or         := and ("or" and)*
//! and        := unary ("and" unary)*
//! unary      := "not" unary | comparison
//! comparison := operand ( compare_op operand | "is" ["not"] "null" )?
//! operand    := column | number | string | "true" | "false" | "null" | "(" expr ")"
//! ```

use super::RuleError;
use super::lexer::{CompareOp, Token, TokenKind};

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Number(f64),
    Str(String),
    Bool(bool),
    Null,
}

/// The syntax tree. Every node keeps the 1-based position of its first token.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Column {
        name: String,
        position: usize,
    },
    Literal {
        value: Literal,
        position: usize,
    },
    Not {
        operand: Box<Expr>,
        position: usize,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare {
        op: CompareOp,
        left: Box<Expr>,
        right: Box<Expr>,
        position: usize,
    },
    IsNull {
        operand: Box<Expr>,
        negated: bool,
        position: usize,
    },
}

impl Expr {
    pub fn position(&self) -> usize {
        match self {
            Self::Column { position, .. }
            | Self::Literal { position, .. }
            | Self::Not { position, .. } => *position,
            Self::Compare { left, .. } | Self::And(left, _) | Self::Or(left, _) => left.position(),
            Self::IsNull { operand, .. } => operand.position(),
        }
    }
}

/// Parses a token stream; `end` is the position just past the expression, used
/// when the input ends too early.
pub fn parse(tokens: &[Token], end: usize) -> Result<Expr, RuleError> {
    let mut parser = Parser {
        tokens,
        next: 0,
        end,
    };
    let expr = parser.or()?;
    match parser.peek() {
        None => Ok(expr),
        Some(token) => Err(RuleError::Unexpected {
            position: token.position,
            found: token.kind.describe(),
            expected: "`and`, `or` or the end of the rule",
        }),
    }
}

struct Parser<'a> {
    tokens: &'a [Token],
    next: usize,
    end: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn eat(&mut self, kind: &TokenKind) -> bool {
        if self.peek().is_some_and(|t| &t.kind == kind) {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Expr, RuleError> {
        let mut left = self.and()?;
        while self.eat(&TokenKind::Or) {
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, RuleError> {
        let mut left = self.unary()?;
        while self.eat(&TokenKind::And) {
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, RuleError> {
        if let Some(token) = self.peek().filter(|t| t.kind == TokenKind::Not) {
            let position = token.position;
            self.next += 1;
            let operand = self.unary()?;
            return Ok(Expr::Not {
                operand: Box::new(operand),
                position,
            });
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, RuleError> {
        let left = self.operand()?;
        let Some(token) = self.peek() else {
            return Ok(left);
        };
        let position = token.position;
        match token.kind {
            TokenKind::Compare(op) => {
                self.next += 1;
                let right = self.operand()?;
                Ok(Expr::Compare {
                    op,
                    left: Box::new(left),
                    right: Box::new(right),
                    position,
                })
            }
            TokenKind::Is => {
                self.next += 1;
                let negated = self.eat(&TokenKind::Not);
                if !self.eat(&TokenKind::Null) {
                    return Err(self.unexpected("`null` after `is` / `is not`"));
                }
                Ok(Expr::IsNull {
                    operand: Box::new(left),
                    negated,
                    position,
                })
            }
            _ => Ok(left),
        }
    }

    fn operand(&mut self) -> Result<Expr, RuleError> {
        let Some(token) = self.peek() else {
            return Err(self.unexpected("a column, a value or `(`"));
        };
        let position = token.position;
        let literal = |value| Ok(Expr::Literal { value, position });
        let expr = match &token.kind {
            TokenKind::Ident(name) => Ok(Expr::Column {
                name: name.clone(),
                position,
            }),
            TokenKind::Number(n) => literal(Literal::Number(*n)),
            TokenKind::Str(s) => literal(Literal::Str(s.clone())),
            TokenKind::True => literal(Literal::Bool(true)),
            TokenKind::False => literal(Literal::Bool(false)),
            TokenKind::Null => literal(Literal::Null),
            TokenKind::LParen => {
                self.next += 1;
                let inner = self.or()?;
                if !self.eat(&TokenKind::RParen) {
                    return Err(self.unexpected("`)`"));
                }
                return Ok(inner);
            }
            _ => return Err(self.unexpected("a column, a value or `(`")),
        };
        self.next += 1;
        expr
    }

    fn unexpected(&self, expected: &'static str) -> RuleError {
        match self.peek() {
            Some(token) => RuleError::Unexpected {
                position: token.position,
                found: token.kind.describe(),
                expected,
            },
            None => RuleError::Unexpected {
                position: self.end,
                found: "the end of the rule".to_owned(),
                expected,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn parse_str(source: &str) -> Result<Expr, RuleError> {
        parse(&tokenize(source)?, source.chars().count() + 1)
    }

    fn col(name: &str, position: usize) -> Box<Expr> {
        Box::new(Expr::Column {
            name: name.into(),
            position,
        })
    }

    #[test]
    fn and_binds_tighter_than_or_and_not_tighter_than_and() {
        let e = parse_str("a or not b and c").unwrap();
        assert_eq!(
            e,
            Expr::Or(
                col("a", 1),
                Box::new(Expr::And(
                    Box::new(Expr::Not {
                        operand: col("b", 10),
                        position: 6
                    }),
                    col("c", 16)
                ))
            )
        );
    }

    #[test]
    fn parentheses_and_is_not_null() {
        let e = parse_str("(a or b) and c is not null").unwrap();
        let Expr::And(left, right) = e else {
            panic!("expected and");
        };
        assert_eq!(*left, Expr::Or(col("a", 2), col("b", 7)));
        assert_eq!(
            *right,
            Expr::IsNull {
                operand: col("c", 14),
                negated: true,
                position: 16
            }
        );
    }

    #[test]
    fn errors_name_position_and_what_was_expected() {
        assert_eq!(
            parse_str("a > ").unwrap_err().to_string(),
            "position 5: expected a column, a value or `(`, found the end of the rule"
        );
        assert_eq!(
            parse_str("(a > 1").unwrap_err().to_string(),
            "position 7: expected `)`, found the end of the rule"
        );
        assert_eq!(
            parse_str("a > 1 b").unwrap_err().to_string(),
            "position 7: expected `and`, `or` or the end of the rule, found column `b`"
        );
        assert_eq!(
            parse_str("a is 3").unwrap_err().to_string(),
            "position 6: expected `null` after `is` / `is not`, found number `3`"
        );
    }
}
