//! The codec of the generated servers: prost, except that a request message that cannot be
//! decoded is the caller's mistake, INVALID_ARGUMENT, where tonic's `ProstCodec` answers INTERNAL
//! (and so would fire alerts keyed on INTERNAL). The generated clients keep tonic's `ProstCodec`:
//! a response that cannot be decoded is the server's fault, INTERNAL, as gRPC's status code
//! document says ("error parsing response proto").

use std::marker::PhantomData;

use prost::Message;
use tonic::{
    Status,
    codec::{Codec, DecodeBuf, Decoder},
};
use tonic_prost::ProstEncoder;

/// A prost [`Codec`] whose decoder maps decode errors to INVALID_ARGUMENT.
#[derive(Debug, Clone, Copy)]
pub struct RequestCodec<T, U>(PhantomData<(T, U)>);

impl<T, U> Default for RequestCodec<T, U> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<T, U> Codec for RequestCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = RequestDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::default()
    }

    fn decoder(&mut self) -> Self::Decoder {
        RequestDecoder(PhantomData)
    }
}

/// Decodes a request message of type `U`; see [`RequestCodec`].
#[derive(Debug, Clone, Copy)]
pub struct RequestDecoder<U>(PhantomData<U>);

impl<U: Message + Default> Decoder for RequestDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        U::decode(buf).map(Some).map_err(|e| {
            Status::invalid_argument(format!(
                "the request message is not valid protobuf for this method: {e}"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::{ListDatasetsRequest, ListDatasetsResponse};
    use tonic::codec::Streaming;

    /// Decodes `wire` (framed gRPC bytes, ASCII for the test) as the request body of a server.
    async fn decode(wire: &str) -> Result<Option<ListDatasetsRequest>, Status> {
        let mut codec = RequestCodec::<ListDatasetsResponse, ListDatasetsRequest>::default();
        let mut stream = Streaming::new_request(codec.decoder(), wire.to_owned(), None, None);
        stream.message().await
    }

    #[tokio::test]
    async fn an_undecodable_request_is_invalid_argument() {
        // One message of 2 bytes: field 1 with wire type 7, which does not exist.
        let error = decode("\0\0\0\0\x02\x0f\x0f").await.unwrap_err();
        assert_eq!(error.code(), tonic::Code::InvalidArgument, "{error:?}");
        assert!(error.message().contains("not valid protobuf"), "{error:?}");
    }

    #[tokio::test]
    async fn a_valid_request_decodes() {
        // page_size = 5 (field 1, varint).
        let request = decode("\0\0\0\0\x02\x08\x05").await.unwrap().unwrap();
        assert_eq!(request.page_size, 5);
    }
}
