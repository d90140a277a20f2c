//! The per-address connection cap (`--max-connections-per-address`): how many connections each
//! client address (its IP, any port) holds open, so one address cannot take every slot of the
//! listener's cap. IPv6 clients are counted by their /64 network ([`group`]): one host is
//! usually given a whole /64, and could otherwise take a new address for every connection.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
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

    /// A place for one more connection from `ip`; none when its [`group`] holds the most
    /// already.
    pub(crate) fn try_take(&self, ip: IpAddr) -> Option<AddressSlot> {
        let ip = group(ip);
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

/// What `ip` is counted as: an IPv4 address as itself (also when mapped into IPv6), an IPv6
/// address as its /64 network.
pub fn group(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !u128::from(u64::MAX))),
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

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let cap = PerAddress::new(2);
        let a = cap.try_take("2001:db8:1:2::1".parse().unwrap()).unwrap();
        let b = cap
            .try_take("2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap())
            .unwrap();
        assert!(
            cap.try_take("2001:db8:1:2:abcd::9".parse().unwrap())
                .is_none(),
            "a third address of the same /64"
        );
        let other = cap
            .try_take("2001:db8:1:3::1".parse().unwrap())
            .expect("the next /64 is another client");
        drop((a, b, other));
        assert!(cap.open.lock().unwrap().is_empty());
        assert_eq!(
            group("::1".parse().unwrap()),
            "::".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            group("::ffff:10.0.0.7".parse().unwrap()),
            "10.0.0.7".parse::<IpAddr>().unwrap(),
            "an IPv4-mapped address is its IPv4 address"
        );
    }
}
