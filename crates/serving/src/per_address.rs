//! The per-address connection cap (`--max-connections-per-address`): how many connections each
//! client address (its IP, any port) holds open, so one address cannot take every slot of the
//! listener's cap.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
};

/// Connections open per client address, for one listener.
#[derive(Debug, Clone)]
pub(crate) struct PerAddress {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    limit: usize,
}

/// One connection's place in its address's count, given back when dropped.
#[derive(Debug)]
pub(crate) struct AddressSlot {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl PerAddress {
    /// At most `limit` connections open at once from one address (at least 1).
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            open: Arc::default(),
            limit: limit.max(1),
        }
    }

    /// The most connections one address may hold.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// A place for one more connection from `ip`; none when `ip` holds the most already. An
    /// IPv4 address mapped into IPv6 counts as the IPv4 address.
    pub(crate) fn try_take(&self, ip: IpAddr) -> Option<AddressSlot> {
        let ip = ip.to_canonical();
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(ip).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(AddressSlot {
            open: self.open.clone(),
            ip,
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_is_held_to_the_limit_and_gets_its_places_back() {
        let cap = PerAddress::new(2);
        let one: IpAddr = "127.0.0.2".parse().unwrap();
        let two: IpAddr = "127.0.0.3".parse().unwrap();
        let first = cap.try_take(one).unwrap();
        let second = cap.try_take(one).unwrap();
        assert!(cap.try_take(one).is_none(), "a third from the same address");
        // The same address in its IPv4-mapped IPv6 form is the same client.
        assert!(cap.try_take("::ffff:127.0.0.2".parse().unwrap()).is_none());
        let other = cap.try_take(two).unwrap();
        drop(first);
        let again = cap.try_take(one).unwrap();
        drop((second, again, other));
        assert!(
            cap.open.lock().unwrap().is_empty(),
            "no address is left counted"
        );
    }
}
