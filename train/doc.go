// Package train runs the training stages (pretrain, SST with the EMA
// target, Talkers, baseline continuation): schedules, checkpointing and
// resume, and progress events at a bounded rate.
package train
