/**
 * llmarket's conventions for grpc-java clients: the published retry policy ({@link
 * dev.llmarket.client.ServiceConfig}), error details ({@link dev.llmarket.client.ErrorDetails}),
 * the data version ({@link dev.llmarket.client.DataVersion}) and page iteration ({@link
 * dev.llmarket.client.Pages}). The stubs are in {@code dev.llmarket.forecast.v2}, {@code
 * dev.llmarket.taxonomy.v2}, {@code dev.llmarket.watch.v2} and the deprecated {@code
 * llmarket.forecast.v1} and {@code llmarket.taxonomy.v1}.
 */
package dev.llmarket.client;
