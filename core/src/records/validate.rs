//! Validation of record content. Every field error is named `content.<field>`.

use super::model::RecordContent;
use crate::error::{Result, Validator};

/// Longest diagnosis or document description, in characters.
pub const MAX_DESCRIPTION: usize = 2000;
/// Longest clinical-note body, in characters.
pub const MAX_TEXT: usize = 20_000;
/// Longest name, title or substance, in characters.
pub const MAX_NAME: usize = 200;
/// Longest coding (ICD-10, LOINC), in characters.
pub const MAX_CODE: usize = 32;
/// Longest serialised observation value, in bytes of JSON.
pub const MAX_VALUE_JSON: usize = 20_000;

/// Checks a record's content, reporting every invalid field at once.
///
/// Rules: codes are 1–32 characters of `[A-Za-z0-9.-]`; descriptions are non-blank and at
/// most 2000 characters; names, titles and substances are non-blank and at most 200;
/// clinical-note text is non-blank and at most 20 000; an observation's value is not `null`
/// and serialises to at most 20 000 bytes; optional free-text fields, when present, are
/// non-blank and bounded (units 32, reactions 500, MIME types 127 as `type/subtype`,
/// file ids 255 visible ASCII characters). Errors are `InvalidInput` with fields
/// `content.code`, `content.description`, `content.text` and so on.
pub fn validate_content(content: &RecordContent) -> Result<()> {
    let mut v = Validator::new();
    check_content(&mut v, content);
    v.finish()
}

/// Records every problem of `content` in `v` (for callers validating more than the content).
pub(crate) fn check_content(v: &mut Validator, content: &RecordContent) {
    match content {
        RecordContent::Diagnosis {
            code,
            description,
            status: _,
            onset: _,
        } => {
            check_code(v, code.as_deref());
            required(v, "content.description", description, MAX_DESCRIPTION);
        }
        RecordContent::Observation {
            code,
            name,
            value,
            unit,
            effective_at: _,
        } => {
            check_code(v, code.as_deref());
            required(v, "content.name", name, MAX_NAME);
            if value.is_null() {
                v.push("content.value", "is required");
            } else if serde_json::to_string(value).map_or(true, |s| s.len() > MAX_VALUE_JSON) {
                v.push(
                    "content.value",
                    format!("must serialise to at most {MAX_VALUE_JSON} bytes"),
                );
            }
            optional(v, "content.unit", unit.as_deref(), 32);
        }
        RecordContent::Allergy {
            substance,
            reaction,
            severity: _,
        } => {
            required(v, "content.substance", substance, MAX_NAME);
            optional(v, "content.reaction", reaction.as_deref(), 500);
        }
        RecordContent::ClinicalNote { title, text } => {
            required(v, "content.title", title, MAX_NAME);
            required(v, "content.text", text, MAX_TEXT);
        }
        RecordContent::DocumentReference {
            title,
            file_id,
            content_type,
            description,
        } => {
            required(v, "content.title", title, MAX_NAME);
            if let Some(id) = file_id {
                let ok = (1..=255).contains(&id.len()) && id.chars().all(|c| c.is_ascii_graphic());
                v.check(
                    ok,
                    "content.file_id",
                    "must be 1 to 255 visible ASCII characters",
                );
            }
            if let Some(ct) = content_type {
                v.check(
                    is_mime(ct),
                    "content.content_type",
                    "must be a MIME type such as application/pdf",
                );
            }
            optional(
                v,
                "content.description",
                description.as_deref(),
                MAX_DESCRIPTION,
            );
        }
    }
}

fn required(v: &mut Validator, field: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        v.push(field, "is required");
    } else if value.chars().count() > max {
        v.push(field, format!("must be at most {max} characters"));
    }
}

fn optional(v: &mut Validator, field: &str, value: Option<&str>, max: usize) {
    if let Some(value) = value {
        if value.trim().is_empty() {
            v.push(field, "must not be blank (omit it instead)");
        } else if value.chars().count() > max {
            v.push(field, format!("must be at most {max} characters"));
        }
    }
}

fn check_code(v: &mut Validator, code: Option<&str>) {
    if let Some(code) = code {
        let ok = (1..=MAX_CODE).contains(&code.chars().count())
            && code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        v.check(
            ok,
            "content.code",
            "must be 1 to 32 letters, digits, '.' or '-'",
        );
    }
}

fn is_mime(s: &str) -> bool {
    let token = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c))
    };
    s.len() <= 127
        && s.split_once('/')
            .is_some_and(|(ty, sub)| token(ty) && token(sub))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::records::{AllergySeverity, DiagnosisStatus};

    fn fields(content: &RecordContent) -> Vec<String> {
        match validate_content(content) {
            Ok(()) => vec![],
            Err(e) => e.field_errors().iter().map(|f| f.field.clone()).collect(),
        }
    }

    fn diagnosis(code: Option<&str>, description: &str) -> RecordContent {
        RecordContent::Diagnosis {
            code: code.map(str::to_owned),
            description: description.into(),
            status: DiagnosisStatus::Active,
            onset: None,
        }
    }

    #[test]
    fn valid_content_of_every_kind_passes() {
        let all = [
            diagnosis(Some("E11.9"), "Type 2 diabetes"),
            RecordContent::Observation {
                code: Some("8480-6".into()),
                name: "Systolic blood pressure".into(),
                value: json!(128),
                unit: Some("mm[Hg]".into()),
                effective_at: None,
            },
            RecordContent::Allergy {
                substance: "penicillin".into(),
                reaction: Some("hives".into()),
                severity: AllergySeverity::Severe,
            },
            RecordContent::ClinicalNote {
                title: "Follow-up".into(),
                text: "Doing well.".into(),
            },
            RecordContent::DocumentReference {
                title: "Lab report".into(),
                file_id: Some("f-123".into()),
                content_type: Some("application/pdf".into()),
                description: None,
            },
        ];
        for c in &all {
            assert_eq!(fields(c), Vec::<String>::new(), "{c:?}");
        }
        assert_eq!(all.map(|c| c.kind()), RecordContent::KINDS);
    }

    #[test]
    fn diagnosis_rules() {
        assert_eq!(fields(&diagnosis(None, "  ")), ["content.description"]);
        assert_eq!(
            fields(&diagnosis(None, &"x".repeat(MAX_DESCRIPTION))),
            Vec::<String>::new()
        );
        assert_eq!(
            fields(&diagnosis(None, &"é".repeat(MAX_DESCRIPTION + 1))),
            ["content.description"]
        );
        for bad in ["", "E11 9", "E11/9", "Ä11", &"1".repeat(MAX_CODE + 1)] {
            assert_eq!(
                fields(&diagnosis(Some(bad), "ok")),
                ["content.code"],
                "{bad}"
            );
        }
        assert_eq!(
            fields(&diagnosis(Some("x y"), "")),
            ["content.code", "content.description"],
            "every field is reported"
        );
    }

    #[test]
    fn observation_value_is_required_and_bounded() {
        let obs = |value: serde_json::Value, unit: Option<&str>| RecordContent::Observation {
            code: None,
            name: "Weight".into(),
            value,
            unit: unit.map(str::to_owned),
            effective_at: None,
        };
        assert_eq!(fields(&obs(json!(null), None)), ["content.value"]);
        assert_eq!(
            fields(&obs(json!({"a": "x".repeat(MAX_VALUE_JSON)}), None)),
            ["content.value"]
        );
        assert_eq!(fields(&obs(json!("70"), Some(" "))), ["content.unit"]);
        assert_eq!(
            fields(&obs(json!([1, 2]), Some("kg"))),
            Vec::<String>::new()
        );
    }

    #[test]
    fn allergy_note_and_document_rules() {
        let allergy = |s: &str| RecordContent::Allergy {
            substance: s.into(),
            reaction: Some(String::new()),
            severity: AllergySeverity::Mild,
        };
        assert_eq!(
            fields(&allergy("")),
            ["content.substance", "content.reaction"]
        );
        assert_eq!(
            fields(&allergy(&"p".repeat(MAX_NAME + 1)))[0],
            "content.substance"
        );
        let note = |t: &str| RecordContent::ClinicalNote {
            title: "T".into(),
            text: t.into(),
        };
        assert_eq!(fields(&note("\n")), ["content.text"]);
        assert_eq!(fields(&note(&"a".repeat(MAX_TEXT + 1))), ["content.text"]);
        assert!(fields(&note(&"a".repeat(MAX_TEXT))).is_empty());
        let doc = RecordContent::DocumentReference {
            title: "Scan".into(),
            file_id: Some("has space".into()),
            content_type: Some("pdf".into()),
            description: Some(" ".into()),
        };
        assert_eq!(
            fields(&doc),
            [
                "content.file_id",
                "content.content_type",
                "content.description"
            ]
        );
    }
}
