//! Replays a labelled trace through the engine, closing the challenge loop as the
//! application would, and scores it against the labels (see `report`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::format::TraceRecord;
use super::report::Evaluation;
use super::score::{label, Score};
use crate::effect::Effect;
use crate::{Engine, EngineError};

/// Replays `records` in order through `engine`, calling `tick` once per simulated minute.
///
/// Each enforced `challenge_user` is answered like the real application would: a
/// `challenge` event from the session that raised it (its user, IP and device) a few seconds
/// later, `succeeded` when that session was benign, `failed` when it was an attacker's. The
/// answers are merged into the replay in time order (before trace records of the same
/// millisecond) and are processed like any event. `on_effect` sees every effect with the
/// label of the event that caused it.
pub fn evaluate(
    records: &[TraceRecord],
    engine: &mut Engine,
    mut on_effect: impl FnMut(&str, &Effect),
) -> Result<Evaluation, EngineError> {
    let mut score = Score::new(records);
    // Answers waiting for their time, in (time, order raised).
    let mut answers: BTreeMap<(i64, u64), TraceRecord> = BTreeMap::new();
    let mut raised = 0u64;
    let mut next = 0;
    let mut out = Vec::new();
    let mut last_tick = records.first().map_or(0, |r| r.ts_ms);
    loop {
        let due = answers.first_key_value().map(|(k, _)| k.0);
        let (r, line) = match (due, records.get(next)) {
            (Some(ts), Some(r)) if ts <= r.ts_ms => (Cow::Owned(pop(&mut answers)), None),
            (_, Some(r)) => {
                next += 1;
                (Cow::Borrowed(r), Some(next))
            }
            (Some(_), None) => (Cow::Owned(pop(&mut answers)), None),
            (None, None) => break,
        };
        let event = r.to_event().map_err(|message| EngineError::Trace {
            line: line.unwrap_or(0),
            message,
        })?;
        if r.ts_ms - last_tick >= 60_000 {
            engine.tick(r.ts_ms, &mut out);
            last_tick = r.ts_ms;
        }
        if line.is_some() {
            score.before(&r);
        }
        out.clear();
        engine.process(&event, &mut out);
        for e in &out {
            on_effect(label(&r), e);
            if let Some(answer) = score.effect(&r, e) {
                raised += 1;
                answers.insert((answer.ts_ms, raised), answer);
            }
        }
        score.after(&r);
    }
    Ok(score.finish())
}

fn pop(answers: &mut BTreeMap<(i64, u64), TraceRecord>) -> TraceRecord {
    answers.pop_first().expect("an answer is due").1
}
