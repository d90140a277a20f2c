//! Calls in flight per principal (`--max-calls-per-principal`): a principal's call holds a place
//! from the moment it is authenticated until its reply has ended (sent, refused or dropped), so
//! one principal cannot take every place of `--max-concurrent-calls`, nor pile up replies it
//! does not read, while others wait. With an auth file, the calls open without credentials
//! (health, reflection with `--reflection on`) are grouped by their client address (an IPv4
//! address, or an IPv6 /64), each address held to the same limit as a principal. Without an auth
//! file nothing is counted here: every caller is the one anonymous principal, held by
//! `--max-concurrent-calls`.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
};

use tonic::Status;

/// Default `--max-calls-per-principal`: a quarter of the default `--max-concurrent-calls`, and
/// above the 50 calls at once the load tests make with one token.
pub const DEFAULT_MAX_CALLS_PER_PRINCIPAL: usize = 64;

type Open = Arc<Mutex<HashMap<Arc<str>, usize>>>;

/// Each principal's calls in flight, shared by every clone (one per listener).
#[derive(Debug, Clone)]
pub struct PrincipalCalls {
    open: Open,
    limit: usize,
}

/// One call's place in its principal's count, given back when dropped.
#[derive(Debug)]
pub(crate) struct PrincipalPlace {
    open: Open,
    name: Arc<str>,
}

impl PrincipalCalls {
    /// At most `limit` calls in flight per principal (at least 1).
    pub fn new(limit: usize) -> Self {
        Self {
            open: Arc::default(),
            limit: limit.max(1),
        }
    }

    /// A place for one more call of the principal `name`, or the status refusing it.
    pub(crate) fn take(&self, name: &str) -> Result<PrincipalPlace, Status> {
        self.take_key(name, |limit| {
            format!(
                "principal {name:?} already has {limit} calls in flight, the most \
                 --max-calls-per-principal allows; wait for one to end"
            )
        })
    }

    /// A place for one more call without credentials from `ip` (counted with the other
    /// addresses of its IPv6 /64), or the status refusing it.
    pub(crate) fn take_anonymous(&self, ip: IpAddr) -> Result<PrincipalPlace, Status> {
        let group = llmarket_serving::per_address::group(ip);
        // A principal's name never holds a space, so the keys cannot meet.
        self.take_key(&format!("address {group}"), |limit| {
            format!(
                "{group} already has {limit} calls without credentials in flight, the most \
                 --max-calls-per-principal allows; wait for one to end"
            )
        })
    }

    fn take_key(
        &self,
        key: &str,
        refusal: impl FnOnce(usize) -> String,
    ) -> Result<PrincipalPlace, Status> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let name: Arc<str> = match open.get_key_value(key) {
            Some((key, _)) => key.clone(),
            None => Arc::from(key),
        };
        let count = open.entry(name.clone()).or_insert(0);
        if *count >= self.limit {
            return Err(llmarket_serving::refusal::retry_after(
                "PRINCIPAL_CALLS_LIMIT",
                llmarket_serving::refusal::CALL_RETRY,
                refusal(self.limit),
            ));
        }
        *count += 1;
        Ok(PrincipalPlace {
            open: self.open.clone(),
            name,
        })
    }
}

impl Drop for PrincipalPlace {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.name) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_principal_has_its_own_places_given_back_on_drop() {
        let calls = PrincipalCalls::new(2);
        let a: Vec<_> = (0..2).map(|_| calls.take("a").unwrap()).collect();
        let refused = calls.take("a").unwrap_err();
        assert_eq!(refused.code(), tonic::Code::ResourceExhausted);
        assert!(
            refused.message().contains("--max-calls-per-principal"),
            "{}",
            refused.message()
        );
        let refusal = llmarket_serving::middleware::testing::refusal(&refused);
        assert_eq!(
            refusal.retry_delay,
            Some(llmarket_serving::refusal::CALL_RETRY)
        );
        assert_eq!(refusal.reason, "PRINCIPAL_CALLS_LIMIT");
        let b = calls.clone().take("b").expect("another principal");
        let ip = "2001:db8::1".parse().unwrap();
        let anonymous = calls.take_anonymous(ip).unwrap();
        let _second = calls
            .take_anonymous("2001:db8::2".parse().unwrap())
            .unwrap();
        let refused = calls.take_anonymous(ip).unwrap_err();
        assert!(
            refused.message().contains("2001:db8::"),
            "{}",
            refused.message()
        );
        assert!(calls.take_anonymous("10.0.0.1".parse().unwrap()).is_ok());
        drop((anonymous, _second));
        drop(a);
        assert!(calls.take("a").is_ok());
        drop(b);
        let open = calls.open.lock().unwrap();
        assert!(
            open.is_empty(),
            "no entry kept for a principal with no call"
        );
    }
}
