//! What one call may read, as the handlers ask it: checks that answer PERMISSION_DENIED (the same
//! whether the resource exists or not, so a refusal tells nothing about what exists), and filters
//! for lists, searches and links.

use tonic::{Code, Status};

use super::{audit, caller::Caller, grants::Grants};
use crate::status::{MAX_ECHO_CHARS, shorten};

/// What one call may read: everything (no principals file in force) or its caller's grants.
#[derive(Debug, Clone, Default)]
pub struct Access(Option<Caller>);

impl Access {
    /// The access of the call `request` carries: its [`Caller`]'s grants, or everything when the
    /// authentication layer put no caller there (no auth file).
    pub fn of<T>(request: &tonic::Request<T>) -> Self {
        Self(request.extensions().get::<Caller>().cloned())
    }

    /// Access to everything.
    pub fn everything() -> Self {
        Self(None)
    }

    /// The access of `caller`.
    pub fn caller(caller: Caller) -> Self {
        Self(Some(caller))
    }

    fn grants(&self) -> Option<&Grants> {
        self.0.as_ref().map(|c| &c.principal.grants)
    }

    /// Whether the dataset `id` and its series may be read.
    pub fn may_read_dataset(&self, id: &str) -> bool {
        self.grants().is_none_or(|g| g.dataset(id))
    }

    /// Whether the scheme `id` and its concepts may be read.
    pub fn may_read_scheme(&self, id: &str) -> bool {
        self.grants().is_none_or(|g| g.scheme(id))
    }

    /// Whether the resource `name` (of any kind) may be read: links to others are filtered by it.
    pub fn may_read_name(&self, name: &str) -> bool {
        self.grants().is_none_or(|g| g.name(name))
    }

    /// The dataset `id`, or PERMISSION_DENIED.
    pub fn dataset(&self, id: &str) -> Result<(), Status> {
        self.check(
            self.may_read_dataset(id),
            || format!("datasets/{id}"),
            || format!("datasets/{id}"),
            "datasets/*",
        )
    }

    /// The series `series` of dataset `dataset`, or PERMISSION_DENIED.
    pub fn series(&self, dataset: &str, series: &str) -> Result<(), Status> {
        self.check(
            self.may_read_dataset(dataset),
            || format!("datasets/{dataset}/series/{series}"),
            || format!("datasets/{dataset}"),
            "datasets/*",
        )
    }

    /// The scheme `id`, or PERMISSION_DENIED.
    pub fn scheme(&self, id: &str) -> Result<(), Status> {
        self.check(
            self.may_read_scheme(id),
            || format!("schemes/{id}"),
            || format!("schemes/{id}"),
            "schemes/*",
        )
    }

    /// The concept `concept` of scheme `scheme`, or PERMISSION_DENIED.
    pub fn concept(&self, scheme: &str, concept: &str) -> Result<(), Status> {
        self.check(
            self.may_read_scheme(scheme),
            || format!("schemes/{scheme}/concepts/{concept}"),
            || format!("schemes/{scheme}"),
            "schemes/*",
        )
    }

    /// Whether the milestones of dataset `dataset` may be read (the `milestones` grant and a
    /// grant on the dataset).
    pub fn may_read_milestones_of(&self, dataset: &str) -> bool {
        self.grants().is_none_or(|g| g.milestones_of(dataset))
    }

    /// Refuses a milestone of a dataset the caller may not read as if it did not exist: audits
    /// it, and returns whether it was refused (so the caller answers NOT_FOUND). A milestone's
    /// name does not carry its dataset, so PERMISSION_DENIED would tell that it exists.
    pub fn hides_milestone(&self, name: &str, dataset: &str) -> bool {
        if self.may_read_milestones_of(dataset) {
            return false;
        }
        if let Some(caller) = &self.0 {
            audit::denied(
                Some(&caller.principal.name),
                &caller.method,
                Some(&shorten(name, MAX_ECHO_CHARS)),
                Code::NotFound,
                caller.peer,
            );
        }
        true
    }

    /// Whether an edition of the v2 dataset `dataset` with the v1 id `v1_id` may be read (see
    /// [`Grants::edition`]).
    pub fn may_read_edition(&self, dataset: &str, v1_id: &str) -> bool {
        self.grants().is_none_or(|g| g.edition(dataset, v1_id))
    }

    /// The resource `name` of an edition of the v2 dataset `dataset` with the v1 id `v1_id`
    /// (the dataset, the edition or a series of it), or PERMISSION_DENIED.
    pub fn edition(&self, dataset: &str, v1_id: &str, name: &str) -> Result<(), Status> {
        self.check(
            self.may_read_edition(dataset, v1_id),
            || name.to_owned(),
            || format!("datasets/{dataset}"),
            "datasets/*",
        )
    }

    /// Whether anything of the v2 dataset `dataset`, whose editions have the v1 ids `v1_ids`,
    /// may be read (see [`Grants::anything_of`]): only then is the dataset itself shown.
    pub fn may_see_dataset<'a>(
        &self,
        dataset: &str,
        v1_ids: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        self.grants().is_none_or(|g| g.anything_of(dataset, v1_ids))
    }

    /// Whether the scheme `scheme` of the v2 dataset `dataset` may be read (see
    /// [`Grants::scheme_in`]).
    pub fn may_read_scheme_in(&self, dataset: &str, scheme: &str, v1_served: bool) -> bool {
        self.grants()
            .is_none_or(|g| g.scheme_in(dataset, scheme, v1_served))
    }

    /// The resource `name` of the scheme `scheme` of the v2 dataset `dataset` (the scheme or a
    /// concept of it), or PERMISSION_DENIED.
    pub fn scheme_in(
        &self,
        dataset: &str,
        scheme: &str,
        v1_served: bool,
        name: &str,
    ) -> Result<(), Status> {
        self.check(
            self.may_read_scheme_in(dataset, scheme, v1_served),
            || name.to_owned(),
            || format!("datasets/{dataset}/schemes/{scheme}"),
            "datasets/*",
        )
    }

    /// Whether the milestones of the v2 dataset `dataset`, whose editions have the v1 ids
    /// `v1_ids`, may be read (see [`Grants::milestones_in`]).
    pub fn may_read_milestones_in<'a>(
        &self,
        dataset: &str,
        v1_ids: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        self.grants()
            .is_none_or(|g| g.milestones_in(dataset, v1_ids))
    }

    /// Whether the v2 resource `name` may be read by its name alone (see [`Grants::v2_name`]):
    /// for filtering links and change events.
    pub fn may_read_v2_name(&self, name: &str) -> bool {
        self.grants().is_none_or(|g| g.v2_name(name))
    }

    /// The `milestones` grant (each milestone is read only with its dataset too:
    /// [`Access::may_read_milestones_of`]), or PERMISSION_DENIED.
    pub fn milestones(&self) -> Result<(), Status> {
        let allowed = self.grants().is_none_or(Grants::milestones);
        self.check(
            allowed,
            || "milestones".to_owned(),
            || "milestones".to_owned(),
            "milestones",
        )
    }

    fn check(
        &self,
        allowed: bool,
        resource: impl FnOnce() -> String,
        grant: impl FnOnce() -> String,
        wide: &str,
    ) -> Result<(), Status> {
        if allowed {
            return Ok(());
        }
        let Some(caller) = &self.0 else {
            return Ok(());
        };
        let resource = resource();
        let shown = shorten(&resource, MAX_ECHO_CHARS);
        let grant = grant();
        let grant = shorten(&grant, MAX_ECHO_CHARS);
        audit::denied(
            Some(&caller.principal.name),
            &caller.method,
            Some(&shown),
            Code::PermissionDenied,
            caller.peer,
        );
        let hint = if *grant == *wide {
            format!("a grant of {wide}")
        } else {
            format!("a grant of {grant} or {wide}")
        };
        Err(Status::permission_denied(format!(
            "principal {:?} may not read {shown}; it needs {hint} in the auth file",
            caller.principal.name
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(grants: &[&str]) -> Access {
        Access::caller(Caller::granted(grants))
    }

    #[test]
    fn checks_refuse_outside_the_grants_and_allow_inside_them() {
        let access = caller(&["datasets/d1", "schemes/s1"]);
        assert!(access.dataset("d1").is_ok());
        assert!(access.series("d1", "x").is_ok());
        assert!(access.scheme("s1").is_ok());
        assert!(access.concept("s1", "c").is_ok());
        let denied = [
            access.dataset("d2"),
            access.series("d2", "x"),
            access.scheme("s2"),
            access.concept("s2", "c"),
            access.milestones(),
        ];
        for result in denied {
            let status = result.unwrap_err();
            assert_eq!(status.code(), Code::PermissionDenied);
            assert!(
                status
                    .message()
                    .starts_with("principal \"p\" may not read ")
            );
        }
        let status = access.series("d2", "x").unwrap_err();
        assert!(
            status
                .message()
                .contains("datasets/d2/series/x; it needs a grant of datasets/d2 or datasets/*"),
            "{}",
            status.message()
        );
    }

    #[test]
    fn v2_checks_name_the_resource_and_the_dataset_grant() {
        let access = caller(&["datasets/cic-2026", "datasets/other/schemes/s"]);
        assert!(
            access
                .edition("cic", "cic-2026", "datasets/cic/series/x")
                .is_ok()
        );
        let status = access
            .edition("cic", "cic-2027", "datasets/cic/series/x")
            .unwrap_err();
        assert!(
            status.message().contains(
                "may not read datasets/cic/series/x; it needs a grant of datasets/cic or datasets/*"
            ),
            "{}",
            status.message()
        );
        assert!(
            access
                .scheme_in("other", "s", false, "datasets/other/schemes/s")
                .is_ok()
        );
        let status = access
            .scheme_in("other", "t", false, "datasets/other/schemes/t/concepts/c")
            .unwrap_err();
        assert!(
            status
                .message()
                .contains("datasets/other/schemes/t or datasets/*"),
            "{}",
            status.message()
        );
        assert!(
            !access.may_read_milestones_in("cic", ["cic-2026"]),
            "no milestones grant"
        );
        assert!(access.may_read_v2_name("datasets/other/schemes/s/concepts/c"));
        assert!(!access.may_read_v2_name("datasets/cic/series/x"));
        assert!(Access::everything().may_read_v2_name("datasets/any/milestones/m"));
    }

    #[test]
    fn without_a_caller_everything_may_be_read() {
        let access = Access::everything();
        assert!(access.dataset("any").is_ok());
        assert!(access.milestones().is_ok());
        assert!(access.may_read_name("schemes/x/concepts/y"));
    }
}
