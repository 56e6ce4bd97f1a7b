//! TEMPORARY minimal expansion; replaced by the BuildKit lexer port.
pub trait Env {
    fn get(&self, name: &str) -> Option<&str>;
}
pub struct Lexer {
    pub escape: char,
}
pub struct Expansion {
    pub value: String,
}
#[derive(Debug)]
pub struct ExpandError;
impl Lexer {
    pub fn new(escape: char) -> Self {
        Lexer { escape }
    }
    pub fn process_word(&self, word: &str, env: &dyn Env) -> Result<Expansion, ExpandError> {
        let mut out = String::new();
        let mut it = word.char_indices().peekable();
        while let Some((_, c)) = it.next() {
            if c == '$' {
                let braced = it.peek().map(|x| x.1) == Some('{');
                if braced {
                    it.next();
                }
                let mut name = String::new();
                while let Some(&(_, n)) = it.peek() {
                    if n.is_ascii_alphanumeric() || n == '_' {
                        name.push(n);
                        it.next();
                    } else {
                        break;
                    }
                }
                if braced {
                    let mut depth = 0;
                    for (_, n) in it.by_ref() {
                        if n == '}' && depth == 0 {
                            break;
                        }
                        if n == '{' {
                            depth += 1;
                        }
                    }
                }
                out.push_str(env.get(&name).unwrap_or(""));
            } else if c != '"' && c != '\'' {
                out.push(c);
            }
        }
        Ok(Expansion { value: out })
    }
}
