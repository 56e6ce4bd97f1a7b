//! Properties of the lexer on random words: it never panics, and the
//! references it reports are where it says.

use super::*;
use proptest::prelude::*;

fn check_refs(input: &str, refs: &[VarRef]) {
    for r in refs {
        assert!(r.span.start < r.span.end, "{input:?} {r:?}");
        assert!(r.span.end <= input.len(), "{input:?} {r:?}");
        assert!(input.is_char_boundary(r.span.start), "{input:?} {r:?}");
        assert!(input.is_char_boundary(r.span.end), "{input:?} {r:?}");
        assert_eq!(
            input.get(r.span.start..).and_then(|s| s.chars().next()),
            Some('$')
        );
    }
}

fn env() -> HashMap<String, String> {
    [
        ("A", "a b"),
        ("E", ""),
        ("P", "x*y?\\z/é}"),
        ("K", "한국어"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

fn run(input: &str) {
    let env = env();
    for escape in ['\\', '`'] {
        for flags in 0..8u8 {
            let lex = Lexer {
                escape,
                raw_quotes: flags & 1 != 0,
                raw_escapes: flags & 2 != 0,
                skip_unset_env: flags & 4 != 0,
            };
            match lex.process_word(input, &env) {
                Ok(e) => check_refs(input, &e.references),
                Err(e) => {
                    assert!(e.offset <= input.len());
                    assert!(input.is_char_boundary(e.offset));
                }
            }
            let _ = lex.process_words(input, &env);
        }
        check_refs(input, &references(input, escape));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        run(&input);
    }

    #[test]
    fn shell_like_strings_never_panic(
        input in "([$\\{\\}:#%/?*+\\-'\"\\\\`AEPK1@ ]|한|é|\n|\u{FEFF}){0,40}"
    ) {
        run(&input);
    }
}
