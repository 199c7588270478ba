// Package flinkdataproducts holds the sample data products (saleops and
// customer 360) under pipelines/, in shift_left's folder layout. It has no
// code: its test checks that the samples keep the layout rules the rest of
// the toolkit relies on, and keeps pipelines/inventory.json in step with the
// tree.
package flinkdataproducts
